"""Pages of the appeals app: the candidate's appeal form, the staff list and appeal page, the head's corrections."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from candidates.models import ApplicationStatus
from qac.accounts.decorators import candidate_required, staff_required
from qac.accounts.roles import Role, has_role, is_qac_staff
from qac.files import private_file_response
from qac.forms_util import form_errors_text

from . import selectors, services
from .forms import AppealForm, DecideForm, ExecuteForm, ForwardForm, WithdrawForm
from .models import AppealStatus, Remedy


def _file_appeal(request, application, *, paper: bool):
    refused = application.status == ApplicationStatus.REJECTED
    form = AppealForm(request.POST or None, request.FILES or None, refused=refused, paper=paper)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                appeal = services.appeal_file(
                    application=application,
                    by=request.user,
                    grounds=data["grounds"],
                    statement=data["statement"],
                    files=data["files"],
                    received_on=data.get("received_on"),
                )
            except services.AppealError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Appeal № %(pk)s is registered.") % {"pk": appeal.pk})
                if paper:
                    return redirect("appeals:staff_appeal", pk=appeal.pk)
                return redirect("candidates:application", pk=application.pk)
        status = 400
    context = {"application": application, "form": form, "paper": paper, "state": selectors.can_appeal(application)}
    return render(request, "appeals/appeal_form.html", context, status=status)


@candidate_required
@require_http_methods(["GET", "HEAD", "POST"])
def appeal_new(request, pk: int):
    application = selectors.application_for_appeal(user=request.user, pk=pk)
    return _file_appeal(request, application, paper=False)


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_new(request, pk: int):
    """Staff register an appeal received on paper, against one application."""
    application = selectors.application_for_appeal(user=request.user, pk=pk)
    return _file_appeal(request, application, paper=True)


@candidate_required
@require_POST
def appeal_withdraw(request, pk: int):
    appeal = selectors.appeal_get_for_candidate(user=request.user, pk=pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
    else:
        try:
            services.appeal_withdraw(
                appeal=appeal,
                by=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except services.AppealError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your appeal is withdrawn."))
    return redirect("candidates:application", pk=appeal.application_id)


@require_safe
def appeal_file(request, pk: int):
    if not request.user.is_authenticated:
        raise PermissionDenied
    found = selectors.appeal_file_get_for_user(user=request.user, pk=pk)
    return private_file_response(found.file, filename=found.original_name, content_type=found.content_type)


# --- Staff -----------------------------------------------------------------------------------------


@staff_required
@require_safe
def staff_list(request):
    state = request.GET.get("state", "")
    state = state if state in selectors.STATE_FILTERS else ""
    page = Paginator(selectors.appeals_for_staff(state=state), 25).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [{"appeal": a, "deadline": selectors.appeal_deadline_info(a, today=today)} for a in page.object_list]
    return render(request, "appeals/staff_list.html", {"page": page, "rows": rows, "state": state})


def _staff_context(request, appeal, **forms):
    actions = selectors.allowed_actions(appeal, request.user)
    today = timezone.localdate()
    v = {"version": appeal.version}
    return {
        "appeal": appeal,
        "actions": actions,
        "deadline": selectors.appeal_deadline_info(appeal, today=today),
        "history": selectors.appeal_history(appeal),
        "forward_form": forms.get("forward") or ForwardForm(initial={"forwarded_on": today, **v}),
        "decide_form": forms.get("decide") or DecideForm(initial={"decided_on": today, **v}),
        "execute_form": forms.get("execute") or ExecuteForm(initial=v, correcting=appeal.remedy == Remedy.CORRECT),
        "withdraw_form": WithdrawForm(initial=v),
        "S": AppealStatus,
    }


@staff_required
@require_safe
def staff_appeal(request, pk: int):
    appeal = selectors.appeal_get_for_staff(user=request.user, pk=pk)
    return render(request, "appeals/staff_appeal.html", _staff_context(request, appeal))


def _run(form, call):
    """Validate, call the service; the error (form's or the rules') as text, or None."""
    if not form.is_valid():
        return form_errors_text(form)
    try:
        call(form.cleaned_data)
    except services.AppealError as exc:
        return str(exc)
    return None


ACTIONS = {
    "forward": (
        ForwardForm,
        lambda appeal, by, d: services.appeal_forward(
            appeal=appeal,
            by=by,
            forwarded_on=d["forwarded_on"],
            reference=d["reference"],
            expected_version=d["version"],
        ),
    ),
    "decide": (
        DecideForm,
        lambda appeal, by, d: services.appeal_decide(
            appeal=appeal,
            by=by,
            satisfied=d["outcome"] == "satisfied",
            number=d["number"],
            decided_on=d["decided_on"],
            text=d["text"],
            remedy=d["remedy"],
            execute_by=d["execute_by"],
            expected_version=d["version"],
        ),
    ),
    "withdraw": (
        WithdrawForm,
        lambda appeal, by, d: services.appeal_withdraw(
            appeal=appeal, by=by, reason=d["reason"], expected_version=d["version"]
        ),
    ),
}


@staff_required
@require_POST
def staff_action(request, pk: int, action: str):
    appeal = selectors.appeal_get_for_staff(user=request.user, pk=pk)
    if action == "execute":
        form = ExecuteForm(request.POST, correcting=appeal.remedy == Remedy.CORRECT)
        error = _run(
            form,
            lambda d: services.appeal_execute(
                appeal=appeal,
                by=request.user,
                note=d["note"],
                result_changes=form.result_changes(),
                expected_version=d["version"],
            ),
        )
    elif action in ACTIONS:
        form_class, call = ACTIONS[action]
        form = form_class(request.POST)
        error = _run(form, lambda d: call(appeal, request.user, d))
    else:
        return redirect("appeals:staff_appeal", pk=pk)
    if error is None:
        messages.success(request, _("Done: the appeal is now «%(status)s».") % {"status": _status_of(appeal)})
        return redirect("appeals:staff_appeal", pk=pk)
    messages.error(request, error)
    appeal.refresh_from_db()
    return render(request, "appeals/staff_appeal.html", _staff_context(request, appeal, **{action: form}), status=400)


def _status_of(appeal) -> str:
    appeal.refresh_from_db()
    return appeal.get_status_display()


# --- The head: corrections of approved results ------------------------------------------------------


@staff_required
@require_safe
def corrections(request):
    if not has_role(request.user, Role.HEAD) or not is_qac_staff(request.user):
        raise PermissionDenied
    page = Paginator(selectors.corrections(), 25).get_page(request.GET.get("page"))
    rows = [{"c": c, "fields": selectors.correction_fields(c)} for c in page.object_list]
    return render(request, "appeals/corrections.html", {"page": page, "rows": rows})
