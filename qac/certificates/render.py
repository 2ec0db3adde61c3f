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
import io

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

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
    # One pixel per module, drawn pixelated by the template: small and sharp.
    # A fixed mask skips segno's search over eight masks (pure Python, 5 ms a code);
    # any mask gives a valid code.
    segno.make(url, error="m", mask=0).save(png, kind="png", scale=1, border=2)
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


_font_config = None


def font_config():
    """One WeasyPrint font configuration per worker process: building it per call costs time and leaks memory."""
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


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
