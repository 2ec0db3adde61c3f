"""PDF rendering of certificates and conclusions with WeasyPrint.

Rendering one HTML document per certificate spends most of its time
subsetting fonts for each PDF. Here a batch of documents is laid out as one
HTML document, written as one PDF (fonts subset once), and split into one
PDF per document with pypdf. Each document still gets its own file; the
layout work per certificate is what it always was.
"""

from __future__ import annotations

import base64
import io

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader, PdfWriter

from standards.selectors import center_get

from .models import IssuedDocument, Kind
from .verification import signed_token

# Each document's pages start with this marker element, so the split knows
# where a document begins whatever its page count.
PAGE_MARKER = "qac-doc-"


def qr_data_uri(url: str) -> str:
    """The QR code as a small PNG (segno writes PNG in pure Python).

    An SVG QR is hundreds of rectangles that WeasyPrint lays out and draws
    one by one: measured, it cost a third of a certificate's rendering time.
    """
    png = io.BytesIO()
    segno.make(url, error="m").save(png, kind="png", scale=4, border=2)
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()


def verify_url(document: IssuedDocument) -> str:
    path = reverse("certificates:verify_signed", args=[signed_token(document)])
    return f"{settings.QAC_SITE_URL.rstrip('/')}{path}"


def document_context(document: IssuedDocument, center) -> dict:
    context = {"doc": document, "center": center, "Kind": Kind}
    if document.kind == Kind.CERTIFICATE:
        url = verify_url(document)
        context.update(verify_url=url, qr=qr_data_uri(url))
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
    rendered = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    # Where each document starts: the page holding its marker anchor.
    starts = []
    for index, page in enumerate(rendered.pages):
        for anchor in page.anchors:
            if anchor.startswith(PAGE_MARKER):
                starts.append((int(anchor[len(PAGE_MARKER) :]), index))
    if [pk for pk, _ in starts] != [d.pk for d in documents]:
        raise RuntimeError("could not find where each document starts in the batch layout")
    whole = rendered.write_pdf()
    reader = PdfReader(io.BytesIO(whole))
    bounds = [index for _, index in starts] + [len(reader.pages)]
    out = {}
    for (pk, first), last in zip(starts, bounds[1:], strict=True):
        writer = PdfWriter()
        for page in reader.pages[first:last]:
            writer.add_page(page)
        writer.add_metadata({"/Title": f"{pk}", "/Producer": "QAC 78.033"})
        buffer = io.BytesIO()
        writer.write(buffer)
        out[pk] = buffer.getvalue()
    return out


def render_one_naive(document: IssuedDocument) -> bytes:
    """The baseline: one WeasyPrint call per document, with the same template (for the benchmark)."""
    from weasyprint import HTML

    return HTML(string=batch_html([document]), base_url=str(settings.BASE_DIR)).write_pdf()
