from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from zipstream import ZipStream

from qac.accounts.decorators import staff_required

from . import selectors, services
from .forms import CorrectionForm, ExtendForm, ReasonForm, RevokeForm, VerifyForm
from .models import DocumentEvent, Kind, RenderStatus
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
        answer = services.verification_lookup(
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
        answer = services.verification_lookup(number=parsed[0], issue_date=parsed[1])
    return render(request, "certificates/verify.html", {"form": VerifyForm(), "answer": answer, "signed": True})


# --- Files ------------------------------------------------------------------------------------------


def document_file(request, pk: int):
    """A rendered PDF for its holder or staff; 404 for everyone else."""
    document = selectors.document_get_for_user(user=request.user, pk=pk)
    if document.render_status != RenderStatus.RENDERED or not document.file:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = (
        f"{'certificate' if document.kind == Kind.CERTIFICATE else 'conclusion'}-{document.number or document.pk}.pdf"
    )
    response = FileResponse(handle, content_type="application/pdf", as_attachment=True, filename=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@staff_required
def session_zip(request, pk: int):
    """Every rendered document of a session as one ZIP, streamed as it is built."""
    session = selectors.session_get_for_staff(user=request.user, pk=pk)
    documents = [d for d in selectors.session_documents(session=session) if d.render_status == RenderStatus.RENDERED]
    if not documents:
        raise Http404
    archive = ZipStream(sized=False)
    for d in documents:
        kind = "certificate" if d.kind == Kind.CERTIFICATE else "conclusion"
        archive.add_path(d.file.path, arcname=f"{kind}-{d.number or d.pk}-{d.holder_last_name}-{d.pk}.pdf")
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
        {"page": page, "q": search, "status": status, "statuses": RenderStatus.choices},
    )


@staff_required
def document_detail(request, pk: int):
    document = selectors.document_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "certificates/staff/detail.html",
        {
            "doc": document,
            "events": DocumentEvent.objects.filter(document__number=document.number, document__kind=document.kind)
            .select_related("by", "document")
            .order_by("at")
            if document.number
            else document.events.select_related("by"),
            "reissues": document.reissues.all() if not document.original_id else document.original.reissues.all(),
            "revoke_form": RevokeForm(initial={"revoked_on": timezone.localdate()}),
            "reason_form": ReasonForm(),
            "correction_form": CorrectionForm(
                initial={
                    "last_name": document.holder_last_name,
                    "first_name": document.holder_first_name,
                    "patronymic": document.holder_patronymic,
                }
            ),
            "extend_form": ExtendForm(),
            "Kind": Kind,
        },
    )


@staff_required
@require_POST
def document_action(request, pk: int):
    document = selectors.document_get_for_user(user=request.user, pk=pk)
    action = request.POST.get("action")
    forms = {"revoke": RevokeForm, "duplicate": ReasonForm, "correct": CorrectionForm, "extend": ExtendForm}
    form_class = forms.get(action)
    if form_class is None and action != "retry":
        messages.error(request, _("Unknown action."))
        return redirect("certificates:document", pk=pk)
    try:
        if action == "retry":
            services.render_retry(document=document, by=request.user)
            target = document
        else:
            form = form_class(request.POST)
            if not form.is_valid():
                raise services.DocumentError(" ".join(e for errs in form.errors.values() for e in errs))
            data = form.cleaned_data
            if action == "revoke":
                target = services.certificate_revoke(
                    document=document, by=request.user, reason=data["reason"], revoked_on=data["revoked_on"]
                )
            elif action == "duplicate":
                target = services.certificate_duplicate(original=document, by=request.user, reason=data["reason"])
            elif action == "correct":
                target = services.certificate_correct(original=document, by=request.user, **data)
            else:
                target = services.certificate_extend(
                    document=document, by=request.user, valid_until=data["valid_until"], reason=data["reason"]
                )
    except services.DocumentError as exc:
        messages.error(request, str(exc))
        return redirect("certificates:document", pk=pk)
    messages.success(request, _("Done."))
    return redirect("certificates:document", pk=target.pk)


@staff_required
def session_documents(request, pk: int):
    session = selectors.session_get_for_staff(user=request.user, pk=pk)
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
    session = selectors.session_get_for_staff(user=request.user, pk=pk)
    return JsonResponse(selectors.session_progress(session=session))


@staff_required
@require_POST
def session_issue(request, pk: int):
    """Issue (again) whatever an approved session still lacks and queue failed renders for retry."""
    session = selectors.session_get_for_staff(user=request.user, pk=pk)
    try:
        services.session_issue_again(session=session, by=request.user)
    except services.DocumentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The documents are being issued."))
    return redirect("certificates:session", pk=pk)
