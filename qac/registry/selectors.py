"""Read-side queries for the registry export that pages of other parts of the site need."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from qac.certificates.models import IssuedDocument

from .models import BatchStatus, ExportBatch
from .services import pending_querysets


def board_items(*, today: datetime.date) -> list[dict]:
    """Documents not yet reported whose reporting deadline (exam + QAC_REGISTRY_REPORT_DAYS) is near or past,
    and export batches that failed. Two aggregate queries; the first is the registry page's deadline watch."""
    warn_from = today - datetime.timedelta(days=settings.QAC_REGISTRY_REPORT_DAYS - settings.QAC_REGISTRY_WARN_DAYS)
    condition = Q()
    for _record_type, qs in pending_querysets():
        condition |= Q(pk__in=qs.values("pk"))
    pending = IssuedDocument.objects.filter(condition, exam_date__lte=warn_from).aggregate(
        n=Count("pk"), first_exam=Min("exam_date")
    )
    report_days = datetime.timedelta(days=settings.QAC_REGISTRY_REPORT_DAYS)
    failed = ExportBatch.objects.filter(status=BatchStatus.FAILED).count()
    batches = reverse("registry:batches")
    return [
        {
            "key": "registry.to_report",
            "label": _("Documents to report to the register"),
            "count": pending["n"],
            "due": pending["first_exam"] + report_days if pending["first_exam"] else None,
            "url": batches + "#registry-deadlines",
        },
        {
            "key": "registry.failed",
            "label": _("Registry exports that failed"),
            "count": failed,
            "due": None,
            "url": batches + f"?status={BatchStatus.FAILED}",
        },
    ]
