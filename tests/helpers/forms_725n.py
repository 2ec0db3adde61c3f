"""Helpers the Order 725n form tests share: render a document, read its PDF back; fixtures stay in the conftest."""

import datetime
import io
import re

from django.utils import timezone
from pypdf import PdfReader

from qac.certificates.models import IssuedDocument
from qac.certificates.render import render_batch

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
