"""Pages that gather several apps for one person live here, beside the URLs."""

import datetime
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_safe

from candidates.selectors import (
    application_list_for_candidate,
    change_requests_pending_count,
    review_deadline_summary,
)
from qac.accounts.roles import Role, has_role, is_qac_staff
from qac.certificates.selectors import documents_board, documents_for_holder
from qac.council.package import blank_application_pdf
from qac.council.selectors import council_board
from qac.exams.selectors import enrolments_for_candidate, sessions_for_expert, sessions_public_upcoming
from qac.registry.selectors import deadline_watch
from qac.urls_util import site_url
from standards.selectors import center_get, qualification_list_active


def home(request):
    """The front page: what the center is, and for a signed-in user what needs attention."""
    context = {"qualifications": qualification_list_active()}
    user = request.user
    if is_qac_staff(user):
        context["review"] = review_deadline_summary()
        context["change_requests"] = change_requests_pending_count()
        context["registry"] = deadline_watch(limit=0)
        context["council"] = council_board()
        context["documents"] = documents_board()
        context["days"] = {
            "package": settings.QAC_COUNCIL_PACKAGE_DAYS,
            "decision": settings.QAC_COUNCIL_DECISION_DAYS,
            "issue": settings.QAC_DOCUMENTS_ISSUE_DAYS,
            "duplicate": settings.QAC_DUPLICATE_DAYS,
        }
    elif has_role(user, Role.CANDIDATE):
        context["my_applications"] = application_list_for_candidate(user=user)[:5]
        context["my_exams"] = enrolments_for_candidate(user=user)[:5]
        context["my_documents"] = documents_for_holder(user=user)
    if has_role(user, Role.EXPERT):
        context["expert_sessions"] = sessions_for_expert(user=user)[:5]
    return render(request, "home.html", context)


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
