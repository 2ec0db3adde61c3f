"""What every step of the demo shares: the refusal under production settings, the demo password,
valid SNILS numbers, a small real PDF, and mail muted while seeding."""

import os

from django.conf import settings

from candidates.validators import snils_checksum

DEFAULT_DEMO_PASSWORD = "qac-demo-2026"  # noqa: S105 (documented demo password)


class DemoDataRefused(Exception):
    """Raised where demo data must never be written (production)."""


def refuse_in_production() -> None:
    if not settings.QAC_DEMO_DATA_ALLOWED:
        raise DemoDataRefused("Demo data is never loaded under production settings.")


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def snils_with_checksum(nine_digits: int) -> str:
    """A valid SNILS for demo and test data: nine digits plus their control number."""
    base = f"{nine_digits:09d}"
    return f"{base}{snils_checksum(base):02d}"


def demo_pdf() -> bytes:
    """A small real PDF, so previews and downloads of demo documents work."""
    text = "QAC demo document"
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


class QuietMail:
    """Demo data is not news: while seeding, e-mails go nowhere (in-process tasks only)."""

    def __enter__(self):
        self.saved = settings.EMAIL_BACKEND
        settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

    def __exit__(self, *exc):
        settings.EMAIL_BACKEND = self.saved
