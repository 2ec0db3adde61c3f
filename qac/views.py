"""Pages that gather several apps for one person live here, beside the URLs."""

import csv
import datetime
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from candidates.selectors import application_list_for_candidate, profile_get
from qac import board, charts, journey, stats
from qac.accounts.decorators import head_required
from qac.accounts.roles import Role, has_role, is_qac_staff
from qac.certificates.selectors import allowed_document_actions, documents_for_holder
from qac.council.package_pdfs import blank_application_pdf
from qac.exams.homes import expert_home_sessions
from qac.exams.selectors import enrolments_for_candidate, sessions_public_upcoming
from qac.exports import spreadsheet_safe_row
from qac.forms import PeriodForm
from qac.forms_util import form_errors_text
from qac.urls_util import site_url
from standards.selectors import center_get, qualification_list_active


def home(request):
    """The front page: what the center is, and for a signed-in user what needs attention."""
    context = {"qualifications": qualification_list_active()}
    user = request.user
    today = timezone.localdate()
    status = 200
    if is_qac_staff(user):
        context["board"], context["board_as_of"] = board.board_counted(today=today)
        if has_role(user, Role.HEAD):
            context.update(_head_figures(request, today))
            status = 400 if context["period_form"].errors else 200
    elif has_role(user, Role.CANDIDATE):
        applications = list(application_list_for_candidate(user=user)[:20])
        enrolments = list(enrolments_for_candidate(user=user)[:20])
        documents = list(documents_for_holder(user=user))
        for document in documents:
            document.actions = allowed_document_actions(document, user)
        context["journey"] = journey.journey(
            has_profile=profile_get(user=user) is not None,
            applications=applications,
            enrolments=enrolments,
            documents=documents,
        )
        context["my_applications"] = applications[:5]
        context["my_exams"] = enrolments[:5]
        context["my_documents"] = documents
    if has_role(user, Role.EXPERT):
        context["expert_sessions"] = expert_home_sessions(user=user)
    return render(request, "home.html", context, status=status)


def _period(request, today: datetime.date) -> tuple[PeriodForm, stats.Period]:
    """The period asked for, or the last twelve months when the form is empty or wrong (its errors show)."""
    form = PeriodForm(request.GET or None)
    default = stats.Period.default(today)
    if form.is_valid():
        return form, stats.Period(*form.period_bounds(default.start, default.end))
    return form, default


def _head_figures(request, today: datetime.date) -> dict:
    form, period = _period(request, today)
    figures = stats.figures(period, today=today)
    per_month = charts.columns([(date_format(m, "M y"), n, date_format(m, "F Y")) for m, n in figures["per_month"]])
    pass_chart = charts.percent_bars(
        [
            (
                r["code"],
                [
                    (r["rate"], _("%(code)s: exam passed") % {"code": r["code"]}),
                    (r["theory_rate"], _("%(code)s: theory passed") % {"code": r["code"]}),
                    (r["practical_rate"], _("%(code)s: practice passed") % {"code": r["code"]}),
                ],
            )
            for r in figures["pass_rates"]
        ]
    )
    deadline_chart = charts.percent_bars(
        [(str(i + 1), [(d["rate"], d["label"])]) for i, d in enumerate(figures["deadlines"])]
    )
    return {
        "period_form": form,
        "period": period,
        "figures": figures,
        "per_month_chart": per_month,
        "pass_chart": pass_chart,
        "deadline_chart": deadline_chart,
        "pass_legend": [_("exam"), _("theory"), _("practice")],
        "csv_query": request.GET.urlencode(),
    }


@head_required
@require_safe
def figures_csv(request):
    """The head's figures for the period as CSV (UTF-8 with BOM for spreadsheets); a wrong period is a 400."""
    today = timezone.localdate()
    form, period = _period(request, today)
    if form.errors:
        return HttpResponse(form_errors_text(form), status=400, content_type="text/plain; charset=utf-8")
    figures = stats.figures(period, today=today)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="figures-{period.start}-{period.end}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    for row in _figure_rows(figures, period):
        writer.writerow(spreadsheet_safe_row(row))
    return response


def _figure_rows(figures: dict, period: stats.Period) -> list[list]:
    rows: list[list] = [[_("Period"), period.start.isoformat(), period.end.isoformat()], []]
    rows.append([_("Month"), _("Applications registered")])
    rows += [[m.strftime("%Y-%m"), n] for m, n in figures["per_month"]]
    rows += [
        [],
        [
            _("Qualification"),
            _("Assessed"),
            _("Passed"),
            _("Pass rate, %"),
            _("Theory pass rate, %"),
            _("Practice pass rate, %"),
        ],
    ]
    rows += [
        [r["code"], r["assessed"], r["passed"], r["rate"], r["theory_rate"], r["practical_rate"]]
        for r in figures["pass_rates"]
    ]
    review = figures["review"]
    rows += [[], [_("Applications decided"), review["decided"]]]
    rows += [
        [_("Average review time, days"), review["average_days"]],
        [_("Worst review time, days"), review["worst_days"]],
    ]
    rows += [[], [_("Deadline"), _("Met"), _("Due by now"), _("Share met, %")]]
    rows += [[d["label"], d["met"], d["due"], d["rate"]] for d in figures["deadlines"]]
    return rows


@require_safe
def favicon(request):
    """/favicon.ico, which browsers ask for on their own: the icon among the static files."""
    return redirect(static("favicon.ico"))


@require_safe
def security_txt(request):
    """/.well-known/security.txt (RFC 9116): whom to tell about a vulnerability, valid for a year from now."""
    expires = (timezone.now() + datetime.timedelta(days=365)).replace(microsecond=0)
    lines = [
        f"Contact: {settings.QAC_SECURITY_CONTACT}",
        f"Expires: {expires.astimezone(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: ru, en",
        f"Canonical: {site_url('/.well-known/security.txt', request)}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def schedule(request):
    """Public: the upcoming planned and open exam sessions that still have free places."""
    return render(request, "schedule.html", {"sessions": sessions_public_upcoming()})


@require_safe
def application_sample(request):
    """Public: a blank application on the 706n form (the sample Decree 1204 p.4 «ж» asks for), as a PDF.

    Rendering takes a second of WeasyPrint, and anyone may ask: the PDF is cached for a day,
    keyed on what it prints of the center, so an edit in the admin shows at once.
    """
    center = center_get()
    if center is None:
        raise Http404
    printed = f"{center.pk}|{center.name}|{center.head_name}|{center.register_number}"
    key = "application-sample:" + hashlib.sha256(printed.encode()).hexdigest()
    pdf = cache.get(key)
    if pdf is None:
        pdf = blank_application_pdf(center)
        cache.set(key, pdf, 24 * 3600)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="application-706n-sample.pdf"'
    return response
