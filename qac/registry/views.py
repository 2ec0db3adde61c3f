from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qac.accounts.decorators import staff_required

from . import services
from .models import BatchStatus, ExportBatch


@staff_required
def batch_list(request):
    page = Paginator(ExportBatch.objects.select_related("started_by"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/batches.html",
        {"page": page, "watch": services.deadline_watch(), "BatchStatus": BatchStatus},
    )


@staff_required
@require_POST
def export_now(request):
    from .tasks import registry_export_task

    user_id = request.user.pk
    transaction.on_commit(lambda: registry_export_task.delay("manual", user_id))
    messages.success(request, _("The export is running; the batch appears here when it is done."))
    return redirect("registry:batches")


@staff_required
@require_POST
def batch_mark(request, pk: int):
    batch = ExportBatch.objects.filter(pk=pk).first()
    if batch is None:
        raise Http404
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
    batch = ExportBatch.objects.filter(pk=pk).first()
    if batch is None or kind not in ("xml", "csv"):
        raise Http404
    field = batch.xml_file if kind == "xml" else batch.csv_file
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = "application/xml" if kind == "xml" else "text/csv; charset=utf-8"
    response = FileResponse(
        handle, content_type=content_type, as_attachment=True, filename=field.name.rsplit("/", 1)[-1]
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
