from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qac.accounts.decorators import staff_required
from qac.certificates.selectors import document_get_for_user
from qac.certificates.services import DocumentError
from qac.enqueue import enqueue
from qac.files import private_file_response

from . import answers, selectors, services
from .forms import AnswerUploadForm, EnterNumberForm
from .models import AnswerStatus, BatchStatus


@staff_required
def batch_list(request):
    status = request.GET.get("status", "")
    batches = selectors.batch_list()
    if status in BatchStatus.values:
        batches = batches.filter(status=status)
    else:
        status = ""
    page = Paginator(batches, 25).get_page(request.GET.get("page"))
    for batch in page:
        batch.actions = services.allowed_batch_actions(batch, request.user)
    return render(
        request,
        "registry/batches.html",
        {
            "page": page,
            "status": status,
            "status_label": BatchStatus(status).label if status else "",
            "watch": selectors.deadline_watch(),
            "BatchStatus": BatchStatus,
            "answer_form": AnswerUploadForm(),
            "imports": selectors.answer_imports_recent(),
            "AnswerStatus": AnswerStatus,
        },
    )


@staff_required
@require_POST
def export_now(request):
    enqueue("qac.registry.tasks.registry_export_task", "manual", request.user.pk)
    messages.success(request, _("The export is running; the batch appears here when it is done."))
    return redirect("registry:batches")


@staff_required
@require_POST
def batch_mark(request, pk: int):
    batch = selectors.batch_get_for_staff(user=request.user, pk=pk)
    status = request.POST.get("status")
    if status not in (BatchStatus.SUBMITTED, BatchStatus.ACKNOWLEDGED):
        messages.error(request, _("Unknown status."))
        return redirect("registry:batches")
    try:
        services.batch_mark(batch=batch, by=request.user, status=status, note=request.POST.get("note", "")[:2000])
    except services.ExportBusy as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("registry:batches")


@staff_required
def batch_file(request, pk: int, kind: str):
    if kind not in ("xml", "csv"):
        raise Http404
    batch = selectors.batch_get_for_staff(user=request.user, pk=pk)
    field = batch.xml_file if kind == "xml" else batch.csv_file
    content_type = "application/xml" if kind == "xml" else "text/csv; charset=utf-8"
    return private_file_response(field, content_type=content_type)


# --- The register's answer ------------------------------------------------------------------------


@staff_required
@require_POST
def answer_upload(request):
    """Import the register's answer file; the outcome (and every error) is listed on the registry page."""
    back = reverse("registry:batches") + "#answers"
    form = AnswerUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    upload = form.cleaned_data["file"]
    data = b"".join(upload.chunks())
    try:
        result = answers.register_answer_import(data=data, filename=upload.name, by=request.user)
    except answers.AnswerError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    if result.status == AnswerStatus.APPLIED:
        messages.success(
            request,
            _("The answer file was applied: %(new)s documents numbered, %(old)s already had their number.")
            % {"new": result.numbered, "old": result.already_numbered},
        )
    else:
        messages.error(
            request,
            _("The answer file was refused and nothing was changed: %(n)s error(s), listed under the file below.")
            % {"n": len(result.errors)},
        )
    return redirect(back)


@staff_required
def answer_file(request, pk: int):
    record = selectors.answer_import_get_for_staff(user=request.user, pk=pk)
    content_type = "application/xml" if record.file_format == "xml" else "text/csv; charset=utf-8"
    return private_file_response(record.file, filename=record.file_name, content_type=content_type)


@staff_required
@require_POST
def enter_number(request):
    """One registration number entered by hand; the lead links the form from the document page.

    Goes back to the ``next`` address (on this site only), or to the registry page.
    """
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("registry:batches")
    form = EnterNumberForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields and form.fields[name].label else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect(target)
    document = document_get_for_user(user=request.user, pk=form.cleaned_data["document"])
    try:
        document, changed = answers.register_number_enter(
            document=document,
            number=form.cleaned_data["number"],
            issue_date=form.cleaned_data["issue_date"],
            register_url=form.cleaned_data["register_url"],
            by=request.user,
        )
    except DocumentError as exc:  # AnswerError included: both carry a message for the user
        messages.error(request, str(exc))
    else:
        if changed:
            messages.success(
                request,
                _("Document %(id)s now has the registration number %(number)s.")
                % {"id": document.pk, "number": document.number},
            )
        else:
            messages.info(request, _("Document %(id)s already had this number; nothing changed.") % {"id": document.pk})
    return redirect(target)
