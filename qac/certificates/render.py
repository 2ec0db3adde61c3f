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
import logging
import re

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from weasyprint import HTML

from qac.pdf import font_config
from qac.urls_util import site_url
from standards.selectors import center_get

from . import stamp
from .models import IssuedDocument, Kind, NumberSource, Variant
from .templatetags.documents import ru_long_date, ru_quoted_day
from .verification import signed_token

logger = logging.getLogger(__name__)
# The blank's QR code: any image of the right size; the plan keeps only its box.
BLANK_QR = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAG7buVgAAAABJRU5ErkJggg=="
)

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


def qr_content(document: IssuedDocument, center) -> str:
    """What the document's QR code holds, or "" for a document that has none."""
    if document.number_source == NumberSource.LOCAL:
        # Numbered by the center before register numbering: no register record
        # to point at, so the certificate's QR keeps the signed verification link.
        return verify_url(document) if document.kind == Kind.CERTIFICATE else ""
    return qr_payload(document, center)


def document_fields(document: IssuedDocument) -> dict[str, str]:
    """The text of the form's variable fields (``{% field %}`` in the templates): all that differs between holders."""
    fields = {"number": document.number or "", "issue_date": ru_long_date(document.issue_date)}
    if document.kind == Kind.CERTIFICATE:
        given = " ".join(p for p in (document.holder_first_name, document.holder_patronymic) if p)
        fields |= {
            "last_name": document.holder_last_name,
            "given_names": given,
            "valid_until": ru_long_date(document.valid_until),
            "appendix_number": document.number or "",
            "full_name": document.holder_full_name,
        }
        return fields
    exam_from, exam_to = exam_period(document)
    fields |= {"full_name": document.holder_full_name, "exam_from": ru_quoted_day(exam_from)}
    fields["exam_to"] = ru_quoted_day(exam_to)
    lines = [line.strip() for line in document.recommendations.splitlines() if line.strip()]
    fields |= {f"recommendation{index}": line for index, line in enumerate(lines)}
    return fields


def document_context(document: IssuedDocument, center) -> dict:
    fields = document_fields(document)
    context = {"doc": document, "center": center, "Kind": Kind, "fields": fields}
    context["qr_content"] = qr_content(document, center)
    if document.kind == Kind.CERTIFICATE:
        context["labour_functions"] = labour_functions(document.qualification.labour_functions) or [("", "")]
    else:
        context["recommendation_fields"] = [name for name in fields if name.startswith("recommendation")]
    return context


def body_html(document: IssuedDocument, center, blank_lines: dict[str, int] | None = None) -> str:
    """A document's part of the batch; with ``blank_lines`` its blank for stamp.py (placeholders for the fields)."""
    context = document_context(document, center)
    context["blank_lines"] = blank_lines
    # The laid-out batch finds each document by this anchor; a blank is everyone's, so it names no one.
    context["anchor"] = PAGE_MARKER + (str(document.pk) if blank_lines is None else "blank")
    context["qr"] = ""
    if context["qr_content"]:
        context["qr"] = BLANK_QR if blank_lines is not None else qr_data_uri(context["qr_content"])
    template = "_certificate.html" if document.kind == Kind.CERTIFICATE else "_conclusion.html"
    return render_to_string(f"certificates/pdf/{template}", context)


def batch_html(documents: list[IssuedDocument], center=None) -> str:
    center = center or center_get()
    with translation.override(settings.LANGUAGE_CODE):
        bodies = [body_html(d, center) for d in documents]
        return render_to_string("certificates/pdf/batch.html", {"bodies": bodies})


def blank_html(document: IssuedDocument, center, blank_lines: dict[str, int]) -> str:
    """The document's form with placeholders for its fields, each taking ``blank_lines[name]`` lines (default 1)."""
    body = body_html(document, center, blank_lines)
    return render_to_string("certificates/pdf/batch.html", {"bodies": [body]})


def render_batch(documents: list[IssuedDocument]) -> dict[int, bytes]:
    """Each document's own PDF by document id: stamped into its form's blank, or laid out by WeasyPrint.

    A document stamp.py cannot set exactly as the HTML form would print it goes the
    WeasyPrint way; both give the same page.
    """
    if not documents:
        return {}
    center = center_get()
    out, rest = {}, []
    with translation.override(settings.LANGUAGE_CODE):
        for document in documents:
            pdf = stamped(document, center)
            if pdf is None:
                rest.append(document)
            else:
                out[document.pk] = pdf
    if rest:
        out |= laid_out(rest, center)
    return out


def stamped(document: IssuedDocument, center) -> bytes | None:
    """The document set into the blank of its form (laid out once per process), or None if it cannot be."""
    fields = document_fields(document)
    try:
        plan = stamp.plan_for(blank_html(document, center, {}))
        lines = stamp.field_lines(plan, fields)
        if any(count != 1 for count in lines.values()):
            plan = stamp.plan_for(blank_html(document, center, lines))
        return stamp.stamp(plan, fields, qr_content(document, center), title=document.number)
    except stamp.Unsupported as exc:
        logger.info("document %s is laid out by WeasyPrint: %s", document.pk, exc)
        return None


def laid_out(documents: list[IssuedDocument], center) -> dict[int, bytes]:
    """Several documents in one WeasyPrint layout pass; each one's own pages written as its own PDF."""
    html = batch_html(documents, center)
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
    return HTML(string=batch_html([document]), base_url=str(settings.BASE_DIR)).write_pdf()
