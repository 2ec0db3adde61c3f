"""Documents on the Order 725n forms, built straight with the ORM.

These tests pin how a numbered document looks, not how it came to be numbered,
so the rows (exam session, enrolment, result, document) are made directly rather
than through the issuing services.
"""

import datetime
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from candidates.models import Application
from qac.certificates.models import IssuedDocument, Kind, NumberSource, Variant
from qac.certificates.render import render_batch
from qac.exams.models import Enrolment, ExamResult, ExamSession
from standards.models import Qualification
from standards.selectors import center_get
from tests.factories import UserFactory

NUMBER = "31.00400.02.00000017.26"
REGISTER_URL = "https://register.invalid/records/17"
LABOUR_FUNCTIONS = (
    "C/01.5 Диагностика электронных и мехатронных систем автотранспортного средства\n"
    "C/02.5 Ремонт и регулировка мехатронных систем автотранспортного средства\n"
    "Работа с диагностическим оборудованием без кода"
)
LEGAL_ADDRESS = "198095, г. Санкт-Петербург, ул. Автомобильная, д. 1, лит. А"


def local_dt(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def center(db):
    center = center_get()
    center.head_name = "П.С. Громов"
    center.signer_name = ""
    center.signer_is_deputy = False
    center.legal_address = LEGAL_ADDRESS
    center.save()
    return center


@pytest.fixture
def qualification(db):
    qualification = Qualification.objects.select_related("standard").get(code="31.00400.02")
    qualification.labour_functions = LABOUR_FUNCTIONS
    qualification.legal_requirement = ""
    qualification.additional_characteristics = "Слесарь по ремонту автомобилей 5-го разряда"
    qualification.save()
    qualification.standard.approval_details = "утвержден приказом Минтруда России от 13.03.2017 № 275н"
    qualification.standard.save()
    return qualification


@pytest.fixture
def make_document(db, qualification):
    """A document row with everything the register gives it; ``fields`` override the defaults."""
    staff = UserFactory()

    def make(*, result=None, exam_days=(datetime.date(2026, 3, 4), datetime.date(2026, 3, 4)), **fields):
        if result is None:
            holder = UserFactory(last_name="Соколова", first_name="Анна")
            application = Application.objects.create(candidate=holder, qualification=qualification, status="passed")
            session = ExamSession.objects.create(
                qualification=qualification,
                starts_at=local_dt(exam_days[0], 10),
                ends_at=local_dt(exam_days[1], 16),
                venue_address="Санкт-Петербург, ул. Автомобильная, 1",
                capacity=5,
                status="results_approved",
                created_by=staff,
            )
            enrolment = Enrolment.objects.create(session=session, application=application, enrolled_by=staff)
            result = ExamResult.objects.create(enrolment=enrolment, decision="passed")
        data = {
            "kind": Kind.CERTIFICATE,
            "variant": Variant.ORIGINAL,
            "number": NUMBER,
            "number_source": NumberSource.REGISTER,
            "register_url": REGISTER_URL,
            "qualification": qualification,
            "holder": result.enrolment.application.candidate,
            "holder_last_name": "Соколова",
            "holder_first_name": "Анна",
            "holder_patronymic": "Сергеевна",
            "exam_date": exam_days[0],
            "issue_date": datetime.date(2026, 3, 5),
            "valid_until": datetime.date(2029, 3, 5),
        }
        data.update(fields)
        return IssuedDocument.objects.create(result=result, **data)

    return make


def for_render(*documents) -> list[IssuedDocument]:
    """The rows as the render task loads them."""
    return list(
        IssuedDocument.objects.filter(pk__in=[d.pk for d in documents])
        .select_related("qualification__standard", "result__enrolment__session")
        .order_by("pk")
    )


def render(document) -> bytes:
    return render_batch(for_render(document))[document.pk]


def page_lines(pdf: bytes) -> list[list[str]]:
    """Each page's text lines, as pypdf reads them, whitespace folded."""
    reader = PdfReader(io.BytesIO(pdf))
    return [
        [" ".join(line.split()) for line in page.extract_text().splitlines() if line.strip()] for page in reader.pages
    ]


def folded(lines: list[str]) -> str:
    return " ".join(lines)


def text_runs(pdf: bytes) -> list[tuple[str, float]]:
    """Every piece of text drawn, with its size in points as printed (font size times the text matrix scale)."""
    runs = []
    for page in PdfReader(io.BytesIO(pdf)).pages:

        def visit(text, cm, tm, font_dict, font_size):
            if text.strip():
                runs.append((text.strip(), round(font_size * abs(tm[3]) * abs(cm[3]), 2)))

        page.extract_text(visitor_text=visit)
    return runs


def font_names(pdf: bytes) -> set[str]:
    """The base font names the PDF embeds, without the subset prefix (ABCDEF+)."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            names.add(re.sub(r"^[A-Z]{6}\+", "", str(font.get_object()["/BaseFont"]).lstrip("/")))
    return names
