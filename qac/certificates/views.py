from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from zipstream import ZipStream

from qac.accounts.decorators import staff_required
from qac.exams.selectors import session_get_for_staff
from qac.files import private_file_response
from qac.forms_util import form_errors_text

from . import selectors, services
from .forms import DeliveryForm, DuplicateRequestForm, ExtendForm, ReasonForm, RevokeForm, VerifyForm
from .models import DeliveryMethod
from .verification import rate_limited, read_token

# --- Public verification -------------------------------------------------------------------------


def _client(request) -> str:
    # Behind the proxy, REMOTE_ADDR must be the client's (set by the proxy from the connection).
    return request.META.get("REMOTE_ADDR") or "unknown"


def _too_many(request):
    response = render(request, "certificates/verify_limited.html", status=429)
    response["Retry-After"] = "60"
    return response


@never_cache
def verify(request):
    """The public check: number and issue date, as the register's own check asks."""
    form = VerifyForm(request.GET or None)
    answer = None
    if request.GET and form.is_valid():
        if rate_limited(_client(request)):
            return _too_many(request)
        answer = selectors.verification_lookup(
            number=form.cleaned_data["number"], issue_date=form.cleaned_data["issue_date"]
        )
    return render(request, "certificates/verify.html", {"form": form, "answer": answer, "today": timezone.localdate()})


@never_cache
def verify_signed(request, token: str):
    """The QR code's link: the same answer, without typing. A forged link is simply not found."""
    if rate_limited(_client(request)):
        return _too_many(request)
    parsed = read_token(token)
    answer = {"status": "not_found"}
    if parsed:
        answer = selectors.verification_lookup(number=parsed[0], issue_date=parsed[1])
    return render(request, "certificates/verify.html", {"form": VerifyForm(), "answer": answer, "signed": True})


# --- Files ------------------------------------------------------------------------------------------


def document_file(request, pk: int):
    """A rendered PDF for its holder or staff; 404 for everyone else."""
    document = selectors.document_get_for_user(user=request.user, pk=pk)
    if not selectors.document_downloadable(document):
        raise Http404
    return private_file_response(
        document.file, filename=services.document_file_name(document), content_type="application/pdf"
    )


@staff_required
def session_zip(request, pk: int):
    """Every rendered document of a session as one ZIP, streamed as it is built."""
    session = session_get_for_staff(user=request.user, pk=pk, detail=False)
    documents = [d for d in selectors.session_documents(session=session) if selectors.document_downloadable(d)]
    if not documents:
        raise Http404
    archive = ZipStream(sized=False)
    for d in documents:
        archive.add_path(d.file.path, arcname=f"{d.holder_last_name}-{d.pk}-{services.document_file_name(d)}")
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}-documents.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Staff --------------------------------------------------------------------------------------------


@staff_required
def document_list(request):
    search = request.GET.get("q", "")[:64]
    status = request.GET.get("status", "")
    page = Paginator(selectors.document_list(search=search, status=status), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "certificates/staff/list.html",
        {"page": page, "q": search, "status": status, "statuses": selectors.LIST_FILTERS},
    )


@staff_required
def document_detail(request, pk: int):
    document = selectors.document_get_for_user(user=request.user, pk=pk)
    today = timezone.localdate()
    # The application asked for the documents by post (Decree 1204 p.17): registered mail by default.
    postal_address = document.result.enrolment.application.postal_address
    requests = list(selectors.duplicate_requests_for(document=document))
    for duplicate_request in requests:
        duplicate_request.actions = services.allowed_duplicate_actions(duplicate_request, request.user)
    return render(
        request,
        "certificates/staff/detail.html",
        {
            "doc": document,
            "events": selectors.document_events(document=document),
            "papers": selectors.document_papers(document=document),
            "requests": requests,
            "actions": selectors.allowed_document_actions(document, request.user),
            "revoke_form": RevokeForm(initial={"revoked_on": today}),
            "delivery_form": DeliveryForm(
                initial={
                    "delivered_on": today,
                    "method": DeliveryMethod.POST if postal_address else DeliveryMethod.HANDED,
                    "recipient": document.holder_full_name,
                }
            ),
            "postal_address": postal_address,
            "duplicate_form": DuplicateRequestForm(initial={"received_on": today}),
            "extend_form": ExtendForm(),
            "reason_form": ReasonForm(),
            "today": today,
        },
    )


@staff_required
@require_POST
def document_action(request, pk: int):
    document = selectors.document_get_for_user(user=request.user, pk=pk)
    action = request.POST.get("action")
    forms = {
        "revoke": RevokeForm,
        "extend": ExtendForm,
        "deliver": DeliveryForm,
        "duplicate_request": DuplicateRequestForm,
    }
    form_class = forms.get(action)
    if form_class is None and action != "retry":
        messages.error(request, _("Unknown action."))
        return redirect("certificates:document", pk=pk)
    try:
        if action == "retry":
            services.render_retry(document=document, by=request.user)
            target = document
        else:
            form = form_class(request.POST, request.FILES)
            if not form.is_valid():
                raise services.DocumentError(form_errors_text(form))
            data = form.cleaned_data
            target = document
            if action == "revoke":
                services.certificate_revoke(
                    document=document, by=request.user, reason=data["reason"], revoked_on=data["revoked_on"]
                )
            elif action == "extend":
                services.certificate_extend(
                    document=document, by=request.user, valid_until=data["valid_until"], reason=data["reason"]
                )
            elif action == "deliver":
                services.document_deliver(document=document, by=request.user, **data)
            else:
                services.duplicate_request_receive(original=document, by=request.user, **data)
    except services.DocumentError as exc:
        messages.error(request, str(exc))
        return redirect("certificates:document", pk=pk)
    messages.success(request, _("Done."))
    return redirect("certificates:document", pk=target.pk)


@staff_required
@require_POST
def duplicate_request_action(request, pk: int):
    """Make the duplicate the holder applied for, or refuse it with a reason."""
    duplicate_request = selectors.duplicate_request_get_for_staff(user=request.user, pk=pk)
    action = request.POST.get("action")
    version = _int(request.POST.get("version"))
    try:
        if action == "issue":
            duplicate = services.duplicate_request_issue(
                request=duplicate_request, by=request.user, expected_version=version
            )
            messages.success(request, _("The duplicate is made; it will be numbered by the register."))
            return redirect("certificates:document", pk=duplicate.pk)
        if action == "refuse":
            services.duplicate_request_refuse(
                request=duplicate_request,
                by=request.user,
                reason=request.POST.get("reason", ""),
                expected_version=version,
            )
            messages.success(request, _("The application for a duplicate is refused."))
        else:
            messages.error(request, _("Unknown action."))
    except services.DocumentError as exc:
        messages.error(request, str(exc))
    return redirect("certificates:document", pk=duplicate_request.original_id)


@staff_required
def duplicate_request_file(request, pk: int):
    duplicate_request = selectors.duplicate_request_get_for_staff(user=request.user, pk=pk)
    return private_file_response(
        duplicate_request.supporting_file, filename=duplicate_request.supporting_name or "supporting-document"
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@staff_required
def session_documents(request, pk: int):
    session = session_get_for_staff(user=request.user, pk=pk, detail=False)
    return render(
        request,
        "certificates/staff/session.html",
        {
            "session": session,
            "documents": selectors.session_documents(session=session),
            "progress": selectors.session_progress(session=session),
        },
    )


@staff_required
@never_cache
def session_progress(request, pk: int):
    """JSON for the live progress bar: done / total, failures with reasons."""
    session = session_get_for_staff(user=request.user, pk=pk, detail=False)
    return JsonResponse(selectors.session_progress(session=session))


@staff_required
@require_POST
def session_issue(request, pk: int):
    """Issue (again) whatever an approved session still lacks and queue failed renders for retry."""
    session = session_get_for_staff(user=request.user, pk=pk, detail=False)
    try:
        services.session_issue_again(session=session, by=request.user)
    except services.DocumentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The documents are being issued."))
    return redirect("certificates:session", pk=pk)
