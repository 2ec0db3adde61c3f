"""PDF rendering of certificates and conclusions with WeasyPrint.

A batch of documents is laid out as one HTML document with one shared font
configuration, then each document's pages are written as a PDF of their own
(``Document.copy(pages).write_pdf()``): every file holds only its own
content and images, never another holder's. What batching saves is
WeasyPrint's fixed cost per call (style sheets, font set-up); the layout of
each certificate's two pages remains the main cost (measured in
benchmarks/certificates_render.py).
"""

import base64
import datetime
import io
import re

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from qac.pdf import font_config
from qac.urls_util import site_url
from standards.selectors import center_get

from .models import IssuedDocument, Kind, NumberSource, Variant
from .verification import signed_token

# Each document's pages start with this marker element, so the split knows
# where a document begins whatever its page count.
PAGE_MARKER = "qac-doc-"


def qr_data_uri(content: str) -> str:
    """The QR code as a small PNG (segno writes PNG in pure Python).

    An SVG QR is hundreds of rectangles that WeasyPrint lays out and draws
    one by one: measured, it cost a third of a certificate's rendering time.
    """
    png = io.BytesIO()
    # Byte mode in UTF-8, said explicitly: left to itself segno would encode
    # Cyrillic as Shift_JIS (it holds Cyrillic), which phone readers misread.
    # No ECI header: readers detect UTF-8, and some choke on ECI.
    # One pixel per module, drawn pixelated by the template: small and sharp.
    # A fixed mask skips segno's search over eight masks (pure Python, 5 ms a code);
    # any mask gives a valid code.
    segno.make(content, error="m", mode="byte", encoding="utf-8", mask=0).save(png, kind="png", scale=1, border=2)
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()


def qr_payload(document: IssuedDocument, center) -> str:
    """What the QR code holds (725n App. 2 p.3, App. 3 p.14): the link to the register record, then the register's data.

    The link comes first, so a phone's reader offers to open it.
    """
    if document.kind == Kind.CERTIFICATE:
        title = (
            "Дубликат свидетельства о квалификации"
            if document.variant == Variant.DUPLICATE
            else "Свидетельство о квалификации"
        )
    else:
        title = "Заключение о прохождении профессионального экзамена"
    qualification = document.qualification
    lines = [
        document.register_url,
        f"{title} № {document.number}",
        document.holder_full_name,
        f"{qualification.code} {qualification.name}",
        f"Дата выдачи: {document.issue_date:%d.%m.%Y}" if document.issue_date else "",
        f"Действительно до: {document.valid_until:%d.%m.%Y}"
        if document.kind == Kind.CERTIFICATE and document.valid_until
        else "",
        f"ЦОК {center.register_number}" if center else "",
    ]
    return "\n".join(line for line in lines if line)


def verify_url(document: IssuedDocument) -> str:
    path = reverse("certificates:verify_signed", args=[signed_token(document)])
    return site_url(path)


# A labour function's code in a professional standard: the generalised function's
# letter, "/", the function's number, ".", the level (and sublevel): C/01.5, A/02.3.1.
LABOUR_FUNCTION_RE = re.compile(r"^(?P<code>[A-ZА-Я]{1,2}/\d{2}\.\d(?:\.\d)?)\s+(?P<name>.+)$")


def labour_functions(text: str) -> list[tuple[str, str]]:
    """The qualification's labour functions as (code, name), one per non-empty line.

    A line that does not start with a code goes whole into the name, so no
    text staff typed is lost from the appendix.
    """
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        match = LABOUR_FUNCTION_RE.match(line)
        rows.append((match["code"], match["name"].strip()) if match else ("", line))
    return rows


def _cached(obj, name: str):
    """The related object if the caller already loaded it, else None: rendering adds no queries."""
    if obj is None or not obj._meta.get_field(name).is_cached(obj):
        return None
    return getattr(obj, name)


def exam_period(document: IssuedDocument) -> tuple[datetime.date, datetime.date]:
    """The exam's first and last day for the conclusion: the session's, when the caller selected it."""
    session = _cached(_cached(_cached(document, "result"), "enrolment"), "session")
    if session is None:
        return document.exam_date, document.exam_date
    return timezone.localdate(session.starts_at), timezone.localdate(session.ends_at)


def document_context(document: IssuedDocument, center) -> dict:
    context = {"doc": document, "center": center, "Kind": Kind, "qr": ""}
    if document.number_source == NumberSource.LOCAL:
        # Numbered by the center before register numbering: no register record
        # to point at, so the certificate's QR keeps the signed verification link.
        if document.kind == Kind.CERTIFICATE:
            context["qr"] = qr_data_uri(verify_url(document))
    else:
        context["qr"] = qr_data_uri(qr_payload(document, center))
    if document.kind == Kind.CERTIFICATE:
        context["labour_functions"] = labour_functions(document.qualification.labour_functions) or [("", "")]
    else:
        context["exam_from"], context["exam_to"] = exam_period(document)
        context["recommendations"] = [line.strip() for line in document.recommendations.splitlines() if line.strip()]
    return context


def batch_html(documents: list[IssuedDocument]) -> str:
    center = center_get()
    with translation.override(settings.LANGUAGE_CODE):
        bodies = [
            render_to_string(
                "certificates/pdf/_certificate.html"
                if d.kind == Kind.CERTIFICATE
                else "certificates/pdf/_conclusion.html",
                document_context(d, center),
            )
            for d in documents
        ]
        return render_to_string("certificates/pdf/batch.html", {"bodies": bodies})


def render_batch(documents: list[IssuedDocument]) -> dict[int, bytes]:
    """Render several documents in one layout pass; return each one's own PDF by document id."""
    from weasyprint import HTML

    if not documents:
        return {}
    html = batch_html(documents)
    rendered = HTML(string=html, base_url=str(settings.BASE_DIR)).render(font_config=font_config())
    # Where each document starts: the page holding its marker anchor.
    starts = []
    for index, page in enumerate(rendered.pages):
        for anchor in page.anchors:
            if anchor.startswith(PAGE_MARKER):
                starts.append((int(anchor[len(PAGE_MARKER) :]), index))
    if [pk for pk, _ in starts] != [d.pk for d in documents]:
        raise RuntimeError("could not find where each document starts in the batch layout")
    bounds = [index for _, index in starts] + [len(rendered.pages)]
    out = {}
    for (pk, first), last in zip(starts, bounds[1:], strict=True):
        # Each document's own pages only: its file carries no other holder's data.
        out[pk] = rendered.copy(rendered.pages[first:last]).write_pdf()
    return out


def render_one_naive(document: IssuedDocument) -> bytes:
    """The baseline: one WeasyPrint call per document, with the same template (for the benchmark)."""
    from weasyprint import HTML

    return HTML(string=batch_html([document]), base_url=str(settings.BASE_DIR)).write_pdf()
