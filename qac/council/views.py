"""Staff pages of the council app: the board of sessions awaiting the Council, and one session's page."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qac.accounts.decorators import staff_required
from qac.exams.selectors import session_get_for_staff
from qac.files import private_file_response
from qac.forms_util import form_errors_text

from . import selectors, services
from .forms import DecisionForm, PackageSentForm


@staff_required
def board(request):
    state = request.GET.get("state", "")
    if state not in ("", "package", "decision", "decided"):
        state = ""
    page = Paginator(selectors.council_sessions(state=state), 25).get_page(request.GET.get("page"))
    rows = []
    for session in page.object_list:
        package = getattr(session, "council_package", None)
        decision = getattr(session, "council_decision", None)
        rows.append(
            {
                "session": session,
                "package": package,
                "decision": decision,
                "package_deadline": selectors.deadline(
                    selectors.package_due(session), done=bool(package and package.status == "sent")
                ),
                "decision_deadline": selectors.deadline(selectors.decision_due(session), done=decision is not None),
            }
        )
    return render(request, "council/board.html", {"page": page, "rows": rows, "state": state})


def _context(request, session, *, decision_form=None, sent_form=None):
    package = selectors.package_for(session)
    decision = selectors.decision_for(session)
    results = selectors.decidable_results(session)
    actions = services.allowed_package_actions(package, request.user)
    decision_actions = selectors.allowed_decision_actions(session, request.user, package=package, decision=decision)
    if decision_form is None and decision_actions:
        initial = {"decided_on": timezone.localdate()}
        if decision is not None:
            initial = {"number": decision.number, "decided_on": decision.decided_on, "version": decision.version}
            for verdict in decision.verdicts.all():
                initial[f"verdict_{verdict.result_id}"] = verdict.verdict
                initial[f"reason_{verdict.result_id}"] = verdict.reason
        decision_form = DecisionForm(initial=initial, results=results, correcting=decision is not None)
    if sent_form is None and "send" in actions:
        sent_form = PackageSentForm(initial={"sent_on": timezone.localdate(), "version": package.version})
    return {
        "session": session,
        "package": package,
        "decision": decision,
        "verdicts": list(decision.verdicts.all()) if decision else [],
        "package_actions": actions,
        "decision_actions": decision_actions,
        "decision_form": decision_form,
        "sent_form": sent_form,
        "package_deadline": selectors.deadline(
            selectors.package_due(session), done=bool(package and package.status == "sent")
        ),
        "decision_deadline": selectors.deadline(selectors.decision_due(session), done=decision is not None),
        "history": selectors.council_history(package=package, decision=decision),
    }


@staff_required
def session_page(request, pk: int):
    session = session_get_for_staff(user=request.user, pk=pk, detail=False)
    return render(request, "council/session.html", _context(request, session))


@staff_required
def package_file(request, pk: int):
    package = selectors.package_get_for_staff(user=request.user, pk=pk)
    return private_file_response(package.file, content_type="application/zip")


@staff_required
@require_POST
def package_action(request, pk: int):
    session = session_get_for_staff(user=request.user, pk=pk, detail=False)
    package = selectors.package_for(session)
    if package is None:
        raise Http404
    action = request.POST.get("action")
    try:
        if action == "rebuild":
            services.package_rebuild(
                package=package, by=request.user, expected_version=_int(request.POST.get("version"))
            )
            messages.success(request, _("The package is being built again."))
        elif action == "send":
            form = PackageSentForm(request.POST)
            if not form.is_valid():
                messages.error(request, form_errors_text(form))
                return render(request, "council/session.html", _context(request, session, sent_form=form), status=400)
            data = form.cleaned_data
            services.package_mark_sent(
                package=package,
                by=request.user,
                sent_on=data["sent_on"],
                sent_via=data["sent_via"],
                reference=data["reference"],
                expected_version=data["version"],
            )
            messages.success(request, _("Recorded: the package was sent to the Council."))
        else:
            messages.error(request, _("Unknown action."))
    except services.CouncilError as exc:
        messages.error(request, str(exc))
    return redirect("council:session", pk=session.pk)


@staff_required
@require_POST
def decision_action(request, pk: int):
    session = session_get_for_staff(user=request.user, pk=pk, detail=False)
    decision = selectors.decision_for(session)
    form = DecisionForm(request.POST, results=selectors.decidable_results(session), correcting=decision is not None)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return render(request, "council/session.html", _context(request, session, decision_form=form), status=400)
    data = form.cleaned_data
    try:
        if decision is None or data.get("version") is None:
            # The record form carries no version: posted again once the decision exists (a second
            # browser, a double click), the service refuses it as "already recorded; correct it instead".
            services.decision_record(
                session=session,
                by=request.user,
                number=data["number"],
                decided_on=data["decided_on"],
                verdicts=form.verdicts(),
            )
            messages.success(request, _("The Council's decision is recorded; the documents are being prepared."))
        else:
            services.decision_correct(
                decision=decision,
                by=request.user,
                reason=data.get("reason", ""),
                expected_version=data["version"],
                number=data["number"],
                decided_on=data["decided_on"],
                verdicts=form.verdicts(),
            )
            messages.success(request, _("The correction of the Council's decision is recorded."))
    except services.CouncilError as exc:
        messages.error(request, str(exc))
        return render(request, "council/session.html", _context(request, session, decision_form=form), status=409)
    return redirect("council:session", pk=session.pk)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
