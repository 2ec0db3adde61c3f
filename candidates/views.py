from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from qac.accounts.decorators import candidate_required, staff_required
from qac.accounts.roles import is_qac_staff
from qac.accounts.throttle import client_address, over_limit, throttled_response
from qac.files import private_file_response
from qac.forms_util import form_errors_text
from standards.models import Qualification

from . import selectors, services
from .forms import (
    AccountMergeForm,
    CallDoneForm,
    ChangeRequestDecisionForm,
    ChangeRequestFilterForm,
    ContactForm,
    DocumentUploadForm,
    EducationFormSet,
    ExperienceFormSet,
    NewApplicationForm,
    NoteForm,
    ProfileForm,
    QueueFilterForm,
    SignupForm,
    StaffActionForm,
    SubmitForm,
)
from .models import ApplicationStatus, ChangeRequestStatus, PersonalDataAccess

# --- Sign-up ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "POST":
        wait = over_limit("signup-ip", client_address(request), limit=settings.QAC_SIGNUP_RATE_PER_HOUR, period=3600)
        if wait:
            return throttled_response(request, wait)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # A taken address answers exactly as a new one; its owner gets a mail instead (see the service).
        services.candidate_signup(
            email=data["email"],
            password=data["password1"],
            last_name=data["last_name"],
            first_name=data["first_name"],
            patronymic=data["patronymic"],
        )
        return redirect("candidates:signup_done")
    return render(request, "candidates/signup.html", {"form": form})


def signup_done(request):
    return render(request, "candidates/signup_done.html")


def signup_confirm(request, uidb64: str, token: str):
    user = services.candidate_confirm_email(uidb64=uidb64, token=token)
    if user is None:
        return render(request, "candidates/signup_invalid.html", status=400)
    messages.success(request, _("Your e-mail is confirmed. Log in to fill in your profile and apply."))
    return redirect("login")


# --- Candidate's own pages ------------------------------------------------------------------


@candidate_required
@require_http_methods(["GET", "POST"])
def profile(request):
    instance = selectors.profile_get(user=request.user)
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = ProfileForm(data, files, instance=instance, user=request.user)
    education = EducationFormSet(data, instance=instance, prefix="education")
    experience = ExperienceFormSet(data, instance=instance, prefix="experience")
    # A blank block only where there is nothing yet; «Add another» (static/js/formset.js) adds more.
    for formset in (education, experience):
        if formset.get_queryset().exists():
            formset.extra = 0
    if request.method == "POST" and all([form.is_valid(), education.is_valid(), experience.is_valid()]):
        pending = selectors.change_request_pending(user=request.user)
        try:
            services.profile_save(
                user=request.user,
                names=form.names(),
                profile_data=form.profile_data(),
                education_formset=education,
                experience_formset=experience,
                supporting_file=form.supporting_file(),
            )
        except services.SnilsTaken as exc:
            form.add_error("snils", str(exc))
        except services.ApplicationError as exc:
            form.add_error("supporting_document" if "supporting_document" in form.fields else None, str(exc))
        else:
            now_pending = selectors.change_request_pending(user=request.user)
            if now_pending and (pending is None or now_pending.version != pending.version):
                messages.success(
                    request,
                    _(
                        "Your profile is saved. Your applications under way and your certificates keep the data "
                        "they hold until the center approves the change."
                    ),
                )
            else:
                messages.success(request, _("Your profile is saved."))
            return redirect(request.GET.get("next") if _safe_next(request) else "candidates:dashboard")
    return render(
        request,
        "candidates/profile.html",
        {
            "form": form,
            "education": education,
            "experience": experience,
            "change_requests": selectors.change_requests_for_candidate(user=request.user)[:5],
            "identity_bound": "supporting_document" in form.fields,
        },
    )


def _safe_next(request) -> bool:
    nxt = request.GET.get("next")
    return bool(nxt) and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()})


@candidate_required
def dashboard(request):
    return render(
        request,
        "candidates/dashboard.html",
        {
            "applications": selectors.application_list_for_candidate(user=request.user),
            "has_profile": not services.profile_missing(request.user),
        },
    )


@candidate_required
@require_http_methods(["GET", "POST"])
def application_new(request):
    initial = {}
    code = request.GET.get("qualification")
    if code:
        initial["qualification"] = Qualification.objects.filter(code=code, is_active=True).first()
    form = NewApplicationForm(request.POST or None, initial=initial, profile=selectors.profile_get(user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(
                candidate=request.user, qualification=form.cleaned_data["qualification"], **form.contact()
            )
        except services.ApplicationError as exc:
            form.add_error("qualification", str(exc))
        else:
            messages.success(request, _("A draft application is open. Attach the documents, then submit it."))
            return redirect("candidates:application", pk=application.pk)
    return render(request, "candidates/application_new.html", {"form": form})


@candidate_required
def application_detail(request, pk: int):
    application = selectors.application_get_for_candidate(user=request.user, pk=pk)
    return render(request, "candidates/application_detail.html", _candidate_context(request, application))


def _candidate_context(request, application, **forms):
    moves = services.allowed_moves(application, actor=services.CANDIDATE)
    return {
        "application": application,
        "upload_form": forms.get("upload_form") or DocumentUploadForm(application=application),
        "contact_form": forms.get("contact_form")
        or ContactForm(application=application, profile=selectors.profile_get(user=request.user)),
        "agree_days_left": selectors.days_left(application)
        if application.status == ApplicationStatus.ACCEPTED
        else None,
        "submit_form": forms.get("submit_form") or SubmitForm(),
        "note_form": NoteForm(),
        "can_upload": application.status in services.UPLOAD_STATUSES,
        "can_submit": ApplicationStatus.SUBMITTED in moves,
        "can_resubmit": ApplicationStatus.RESUBMITTED in moves,
        # A draft is deleted, not withdrawn: it was never registered.
        "can_withdraw": ApplicationStatus.WITHDRAWN in moves and application.status != ApplicationStatus.DRAFT,
        "can_delete": application.status == ApplicationStatus.DRAFT,
        "missing": services.missing_documents(application),
        "has_profile": not services.profile_missing(request.user),
        "consent_version": settings.QAC_CONSENT_TEXT_VERSION,
        "max_files_per_document": settings.QAC_APPLICATION_MAX_FILES_PER_DOCUMENT,
        "max_files": settings.QAC_APPLICATION_MAX_FILES,
    }


def _candidate_action(request, pk, action):
    """Run a candidate action; re-render the page with the error if the rules refuse it."""
    application = selectors.application_get_for_candidate(user=request.user, pk=pk)
    try:
        action(application)
    except services.ApplicationError as exc:
        messages.error(request, str(exc))
    return redirect("candidates:application", pk=application.pk)


@candidate_required
@require_POST
def application_upload(request, pk: int):
    application = selectors.application_get_for_candidate(user=request.user, pk=pk)
    form = DocumentUploadForm(request.POST, request.FILES, application=application)
    if form.is_valid():
        try:
            services.application_attach_document(
                application=application,
                required_document=form.cleaned_data["required_document"],
                uploaded_file=form.cleaned_data["file"],
                by=request.user,
            )
        except services.ApplicationError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _("The document is attached."))
            return redirect("candidates:application", pk=application.pk)
    context = _candidate_context(request, application, upload_form=form)
    return render(request, "candidates/application_detail.html", context, status=400)


@candidate_required
@require_POST
def application_contact(request, pk: int):
    application = selectors.application_get_for_candidate(user=request.user, pk=pk)
    form = ContactForm(request.POST, application=application, profile=selectors.profile_get(user=request.user))
    if form.is_valid():
        try:
            services.application_contact_set(application=application, by=request.user, **form.contact())
        except services.ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved: how the center tells you and where it posts the documents."))
            return redirect("candidates:application", pk=application.pk)
    context = _candidate_context(request, application, contact_form=form)
    return render(request, "candidates/application_detail.html", context, status=400)


@candidate_required
@require_POST
def application_submit(request, pk: int):
    application = selectors.application_get_for_candidate(user=request.user, pk=pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        context = _candidate_context(request, application, submit_form=form)
        return render(request, "candidates/application_detail.html", context, status=400)
    consent = services.Consent(personal_data=True, exam_rules=True, ip=_client_ip(request))
    try:
        services.application_submit(application=application, by=request.user, consent=consent)
    except services.ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The application is registered. The center reviews it within %(days)s days.")
            % {"days": settings.QAC_APPLICATION_REVIEW_DAYS},
        )
    return redirect("candidates:application", pk=application.pk)


def _note_or_error(request, pk):
    """The candidate's optional comment; a bad one stops the action with a message rather than being dropped."""
    note = NoteForm(request.POST)
    if note.is_valid():
        return note.cleaned_data["note"], None
    messages.error(request, form_errors_text(note))
    return None, redirect("candidates:application", pk=pk)


@candidate_required
@require_POST
def application_resubmit(request, pk: int):
    selectors.application_get_for_candidate(user=request.user, pk=pk)
    text, refused = _note_or_error(request, pk)
    if refused:
        return refused
    return _candidate_action(
        request, pk, lambda a: services.application_resubmit(application=a, by=request.user, note=text)
    )


@candidate_required
@require_POST
def application_withdraw(request, pk: int):
    selectors.application_get_for_candidate(user=request.user, pk=pk)
    text, refused = _note_or_error(request, pk)
    if refused:
        return refused
    return _candidate_action(
        request, pk, lambda a: services.application_withdraw(application=a, by=request.user, note=text)
    )


@candidate_required
@require_POST
def application_delete(request, pk: int):
    application = selectors.application_get_for_candidate(user=request.user, pk=pk)
    try:
        services.application_draft_delete(application=application, by=request.user)
    except services.ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect("candidates:application", pk=application.pk)
    messages.success(request, _("The draft is deleted."))
    return redirect("candidates:dashboard")


def _client_ip(request) -> str | None:
    # REMOTE_ADDR is the proxy in production; the proxy must set it from the
    # real client (e.g. nginx real_ip), never trust a header the client sends.
    return request.META.get("REMOTE_ADDR") or None


# --- Files ------------------------------------------------------------------------------------


def document_file(request, pk: int):
    """Serve an uploaded document to its candidate or to QAC staff; 404 for everyone else."""
    if not request.user.is_authenticated:
        raise Http404
    document = selectors.document_get_for_user(user=request.user, pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    if is_qac_staff(request.user):
        services.personal_data_access_record(
            viewer=request.user,
            candidate=document.application.candidate,
            what=PersonalDataAccess.What.DOCUMENT,
            application=document.application,
            document=document,
        )
    response = FileResponse(handle, content_type=document.content_type)
    disposition = "attachment" if request.GET.get("download") else "inline"
    response.headers["Content-Disposition"] = f"{disposition}; filename=document-{document.pk}{_suffix(document)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # The file is shown in the detail page's preview frame on this site only.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _suffix(document) -> str:
    return {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(document.content_type, "")


# --- Staff review ------------------------------------------------------------------------------


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
    moves = services.allowed_moves(application, actor=services.STAFF)
    profile = getattr(application.candidate, "candidate_profile", None)
    identity = selectors.identity_of(application)
    return {
        "application": application,
        "profile": profile,
        "identity": identity,
        "identity_changed": selectors.identity_changes(identity, profile) if identity else [],
        "form": form,
        "can_accept": ApplicationStatus.ACCEPTED in moves,
        "can_request": ApplicationStatus.DOCUMENTS_REQUESTED in moves,
        "can_reject": ApplicationStatus.REJECTED in moves,
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
        filename=f"change-request-{change_request.pk}{_suffix_of(change_request.supporting_content_type)}",
        content_type=change_request.supporting_content_type or None,
    )
    services.personal_data_access_record(
        viewer=request.user, candidate=change_request.candidate, what=PersonalDataAccess.What.DOCUMENT
    )
    return response


def _suffix_of(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(content_type, "")


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
