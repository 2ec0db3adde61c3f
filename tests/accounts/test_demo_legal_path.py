"""The issue's "done when", as a test: on the demo and on ``seed_demo --volume 40`` the whole legal path
runs through the commands staff and the nightly job use, and every document ends with exactly the number
the register's answer gave it, rendered on the 725n form with a QR code that opens its register record."""

import csv
import io
import subprocess

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from qac.certificates.models import IssuedDocument, Kind, NumberSource, RenderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _qr(document, tmp_path) -> str:
    png = tmp_path / f"qr-{document.pk}"
    subprocess.run(["pdftoppm", "-png", "-r", "300", "-f", "1", "-l", "1", document.file.path, str(png)], check=True)
    (image,) = tmp_path.glob(f"qr-{document.pk}*.png")
    return subprocess.run(["zbarimg", "-q", "--raw", str(image)], check=True, capture_output=True, text=True).stdout


def test_the_demo_and_its_volume_go_the_whole_way_through_the_commands(tmp_path, capsys):
    call_command("seed_demo", "--volume", "40")
    demo = IssuedDocument.objects.exclude(number_source=NumberSource.AWAITING)
    assert demo.exists(), "the demo's own session is numbered by the stand-in and rendered"
    assert demo.filter(delivered_on__isnull=False).exists(), "and one certificate is handed over"
    awaiting = IssuedDocument.objects.filter(number_source=NumberSource.AWAITING)
    assert awaiting.count() > 0, "the volume's documents wait for the register"
    assert not awaiting.exclude(verdict__isnull=False).exists(), "each made on a recorded Council decision"
    waiting_ids = set(awaiting.values_list("pk", flat=True))

    answer = tmp_path / "answer.csv"
    call_command("export_registry")
    call_command("register_stub_answer", "--output", str(answer))
    call_command("import_register_answer", str(answer))
    call_command("issue_certificates", "--pending")

    given = {
        int(row["record_id"]): row
        for row in csv.DictReader(io.StringIO(answer.read_text(encoding="utf-8-sig")), delimiter=";")
    }
    assert set(given) == waiting_ids, "the stand-in answers exactly what was reported and awaits a number"
    documents = IssuedDocument.objects.filter(pk__in=given)
    assert documents.count() == len(given)
    for document in documents:
        assert document.number == given[document.pk]["registration_number"]
        assert document.register_url == given[document.pk]["register_url"]
        assert document.render_status == RenderStatus.RENDERED, document.render_error
    assert not IssuedDocument.objects.filter(number_source=NumberSource.AWAITING).exists()

    # One certificate and, where the volume has one, a conclusion: read as a person would.
    for kind in (Kind.CERTIFICATE, Kind.CONCLUSION):
        document = documents.filter(kind=kind).first()
        if document is None:
            continue
        text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(document.file.path).pages)
        heading = "СВИДЕТЕЛЬСТВО О КВАЛИФИКАЦИИ" if kind == Kind.CERTIFICATE else "ЗАКЛЮЧЕНИЕ"
        assert heading in text and f"Регистрационный номер {document.number}" in text
        assert _qr(document, tmp_path).splitlines()[0] == document.register_url
