"""The candidate's pages: sign-up and e-mail confirmation, the profile, their own applications and
what they do with one (documents, contact, submit, resubmit, withdraw, delete a draft)."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from qac.accounts.decorators import candidate_required
from qac.accounts.throttle import client_address, over_limit, throttled_response
from qac.forms_util import form_errors_text
from standards.models import Qualification

from .. import selectors, services
from ..forms import (
    ContactForm,
    DocumentUploadForm,
    EducationFormSet,
    ExperienceFormSet,
    NewApplicationForm,
    NoteForm,
    ProfileForm,
    SignupForm,
    SubmitForm,
)
from ..models import ApplicationStatus

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
        "actions": services.allowed_application_actions(application, actor=services.CANDIDATE),
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


def _noted_action(request, pk: int, service):
    """A candidate's move that takes their optional comment (resubmit, withdraw)."""
    selectors.application_get_for_candidate(user=request.user, pk=pk)
    text, refused = _note_or_error(request, pk)
    if refused:
        return refused
    return _candidate_action(request, pk, lambda a: service(application=a, by=request.user, note=text))


@candidate_required
@require_POST
def application_resubmit(request, pk: int):
    return _noted_action(request, pk, services.application_resubmit)


@candidate_required
@require_POST
def application_withdraw(request, pk: int):
    return _noted_action(request, pk, services.application_withdraw)


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
