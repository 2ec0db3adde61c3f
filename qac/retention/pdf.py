"""The destruction act as a PDF (WeasyPrint): what was destroyed, by whose approval, when."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from standards.models import AssessmentCenter

from .models import ActTransition, RecordKind

# The act is a legal record in Russian whatever the reader's language: the kinds are named here.
KIND_RU = {
    RecordKind.APPLICATION_FILE: "Комплект документов соискателя и материалы экзамена",
    RecordKind.APPLICATION_UNEXAMINED: "Заявление без экзамена (черновик, отказ, отзыв)",
    RecordKind.SESSION_MATERIALS: "Протокол экспертной комиссии и пакет для Совета",
    RecordKind.IDENTITY_CHANGE: "Заявка на изменение персональных данных",
    RecordKind.CANDIDATE_ACCOUNT: "Учётная запись и анкета соискателя",
    RecordKind.CONSENT_WITHDRAWAL: "Отзыв согласия на обработку персональных данных",
}


def act_pdf(act) -> bytes:
    from weasyprint import HTML

    approval = ActTransition.objects.filter(act=act, to_status="approved").select_related("by").last()
    context = {
        "act": act,
        "center": AssessmentCenter.objects.first(),
        "rows": [(item, KIND_RU[item.kind]) for item in act.items.order_by("kind", "object_id")],
        "approval": approval,
        "now": timezone.localtime(),
    }
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string("retention/pdf/act.html", context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
