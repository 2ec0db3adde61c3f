"""The center's staff pages: the review queue, an application and the decision on it, calls to make,
identity change requests and merged accounts."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from qac.accounts.decorators import staff_required
from qac.files import private_file_response
from qac.forms_util import form_errors_text

from .. import selectors, services
from ..forms import (
    AccountMergeForm,
    CallDoneForm,
    ChangeRequestDecisionForm,
    ChangeRequestFilterForm,
    QueueFilterForm,
    StaffActionForm,
)
from ..models import ChangeRequestStatus, PersonalDataAccess
from .files import file_suffix


@staff_required
def staff_queue(request):
    form = QueueFilterForm(request.GET or None)
    form.is_valid()
    # A bad value in one filter (shown on the form) must not drop the others.
    filters = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if k not in form.errors}
    sort = filters.get("sort") or selectors.DEFAULT_SORT
    if sort not in selectors.SORTS:
        sort = selectors.DEFAULT_SORT
    view = selectors.queue_view(
        filters, sort=sort, after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    params = request.GET.copy()
    for key in ("page", "after", "before"):
        params.pop(key, None)
    sort_params = params.copy()
    sort_params.pop("sort", None)
    return render(
        request,
        "candidates/staff/queue.html",
        {
            **view,
            "form": form,
            "sort": sort,
            "paged": bool(request.GET.get("after") or request.GET.get("before")),
            "query": params.urlencode(),
            "sort_query": sort_params.urlencode(),
            "review_days": settings.QAC_APPLICATION_REVIEW_DAYS,
            "qualification_choices": [(str(q.pk), q.code) for q in form.fields["qualification"].queryset],
        },
    )


@staff_required
def staff_application(request, pk: int):
    application = selectors.application_get_for_staff(user=request.user, pk=pk)
    services.personal_data_access_record(
        viewer=request.user,
        candidate=application.candidate,
        what=PersonalDataAccess.What.PROFILE,
        application=application,
    )
    return render(request, "candidates/staff/application.html", _staff_context(application))


def _staff_context(application, form=None):
    profile = getattr(application.candidate, "candidate_profile", None)
    identity = selectors.identity_of(application)
    return {
        "application": application,
        "profile": profile,
        "identity": identity,
        "identity_changed": selectors.identity_changes(identity, profile) if identity else [],
        "form": form,
        "actions": services.allowed_application_actions(application, actor=services.STAFF),
        "days_left": selectors.days_left(application),
        "calls_due": [c for c in application.calls.all() if c.called_at is None],
        "calls_done": [c for c in application.calls.all() if c.called_at is not None],
        "call_form": CallDoneForm(),
    }


@staff_required
@require_POST
def staff_application_action(request, pk: int):
    application = selectors.application_get_for_staff(user=request.user, pk=pk)
    form = StaffActionForm(request.POST)
    if not form.is_valid():
        # The page shows the full profile again: that view is recorded too.
        services.personal_data_access_record(
            viewer=request.user,
            candidate=application.candidate,
            what=PersonalDataAccess.What.PROFILE,
            application=application,
        )
        return render(request, "candidates/staff/application.html", _staff_context(application, form), status=400)
    data = form.cleaned_data
    actions = {
        "accept": lambda: services.application_accept(
            application=application, by=request.user, expected_version=data["version"], note=data["text"]
        ),
        "request_documents": lambda: services.application_request_documents(
            application=application, by=request.user, message=data["text"], expected_version=data["version"]
        ),
        "reject": lambda: services.application_reject(
            application=application, by=request.user, reason=data["text"], expected_version=data["version"]
        ),
    }
    try:
        with transaction.atomic():
            actions[data["action"]]()
    except services.StaleApplication as exc:
        messages.warning(request, str(exc))
    except services.ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Application %(number)s: %(status)s.")
            % {
                "number": application.number,
                "status": application.get_status_display(),
            },
        )
    return redirect(reverse("candidates:staff_application", args=[application.pk]))


# --- Identity change requests and merged accounts (staff) ------------------------------------------


@staff_required
def staff_change_requests(request):
    form = ChangeRequestFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    if not request.GET:
        status = ChangeRequestStatus.SUBMITTED
        form = ChangeRequestFilterForm(initial={"status": status})
    page = Paginator(selectors.change_request_queue(status=status), 25).get_page(request.GET.get("page"))
    return render(request, "candidates/staff/change_requests.html", {"form": form, "page": page, "status": status})


def _change_request_context(change_request, form=None):
    return {
        "change_request": change_request,
        "rows": selectors.change_request_rows(change_request),
        "form": form,
        "can_decide": change_request.status == ChangeRequestStatus.SUBMITTED,
    }


@staff_required
def staff_change_request(request, pk: int):
    change_request = selectors.change_request_get_for_staff(user=request.user, pk=pk)
    services.personal_data_access_record(
        viewer=request.user, candidate=change_request.candidate, what=PersonalDataAccess.What.PROFILE
    )
    return render(request, "candidates/staff/change_request.html", _change_request_context(change_request))


@staff_required
@require_POST
def staff_change_request_decide(request, pk: int):
    change_request = selectors.change_request_get_for_staff(user=request.user, pk=pk)
    form = ChangeRequestDecisionForm(request.POST)
    if not form.is_valid():
        services.personal_data_access_record(
            viewer=request.user, candidate=change_request.candidate, what=PersonalDataAccess.What.PROFILE
        )
        return render(
            request, "candidates/staff/change_request.html", _change_request_context(change_request, form), status=400
        )
    data = form.cleaned_data
    try:
        if data["action"] == "approve":
            services.change_request_approve(
                request=change_request, by=request.user, note=data["text"], expected_version=data["version"]
            )
        else:
            services.change_request_refuse(
                request=change_request, by=request.user, reason=data["text"], expected_version=data["version"]
            )
    except services.StaleApplication as exc:
        messages.warning(request, str(exc))
    except services.ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        change_request.refresh_from_db()
        messages.success(
            request, _("The change request is %(status)s.") % {"status": change_request.get_status_display()}
        )
    return redirect("candidates:staff_change_request", pk=change_request.pk)


@staff_required
def staff_change_request_file(request, pk: int):
    change_request = selectors.change_request_get_for_staff(user=request.user, pk=pk)
    response = private_file_response(
        change_request.supporting_file,
        filename=f"change-request-{change_request.pk}{file_suffix(change_request.supporting_content_type)}",
        content_type=change_request.supporting_content_type or None,
    )
    services.personal_data_access_record(
        viewer=request.user, candidate=change_request.candidate, what=PersonalDataAccess.What.DOCUMENT
    )
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def staff_account_merge(request):
    form = AccountMergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            merge = services.accounts_merge(
                kept=data["kept"], duplicate=data["duplicate"], by=request.user, reason=data["reason"]
            )
        except services.ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(duplicate)s is merged into %(kept)s and deactivated.")
                % {"duplicate": merge.duplicate.email, "kept": merge.kept.email},
            )
            return redirect("candidates:staff_account_merge")
    return render(
        request,
        "candidates/staff/account_merge.html",
        {"form": form, "merges": selectors.account_merges_recent()},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_POST
def staff_call_done(request, pk: int):
    """A staff member called the candidate about one event: record who and when."""
    task = selectors.call_task_get_for_staff(user=request.user, pk=pk)
    form = CallDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
    else:
        try:
            services.call_task_done(task=task, by=request.user, note=form.cleaned_data["note"])
        except services.ApplicationError as exc:
            messages.warning(request, str(exc))
        else:
            messages.success(request, _("The call is recorded."))
    return redirect("candidates:staff_application", pk=task.application_id)
