"""The destruction act as a PDF (WeasyPrint): what was destroyed, by whose approval, when."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from standards.models import AssessmentCenter

from .models import ActTransition


def act_pdf(act) -> bytes:
    from weasyprint import HTML

    approval = ActTransition.objects.filter(act=act, to_status="approved").select_related("by").last()
    context = {
        "act": act,
        "center": AssessmentCenter.objects.first(),
        "items": act.items.order_by("kind", "object_id"),
        "approval": approval,
        "now": timezone.localtime(),
    }
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string("retention/pdf/act.html", context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
