"""Helpers the council tests share; the fixtures stay in tests/council/conftest.py."""

import hashlib
import io
import json
import zipfile

from pypdf import PdfReader

from tests.helpers.certificates import (  # noqa: F401 (re-exported to the test modules)
    ABSENT,
    FAIL_PRACTICAL,
    FAIL_THEORY,
    INCIDENT,
    PASS,
    REMOVED,
    make_candidate,
)
from tests.helpers.certificates import exam as certificates_exam

COUNCIL = "Совет по профессиональным квалификациям в автомобилестроении"


COUNCIL_ADDRESS = "125009, г. Москва, ул. Тверская, д. 1"


LEGAL_ADDRESS = "197000, г. Санкт-Петербург, ул. Заводская, д. 7"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, whitespace folded to single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def exam(**kwargs):
    """``tests.certificates.conftest.exam`` with experts giving 5 and 4, so score sheets show both."""
    kwargs.setdefault("passing_scores", (5, 4))
    return certificates_exam(**kwargs)


class Package:
    """The written ZIP, opened: its member names, bytes, manifest and PDF texts."""

    def __init__(self, data: bytes):
        self.data = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.names = self.zip.namelist()
        self.manifest = json.loads(self.zip.read("manifest.json"))

    def read(self, name: str) -> bytes:
        return self.zip.read(name)

    def text(self, name: str) -> str:
        return pdf_text(self.read(name))

    def folders(self) -> list[str]:
        return sorted({n.split("/")[0] for n in self.names if "/" in n})

    def folder_of(self, number: int) -> str:
        (folder,) = [f for f in self.folders() if f.startswith(f"{number:02d}-")]
        return folder

    def files_in(self, folder: str) -> list[str]:
        return sorted(n[len(folder) + 1 :] for n in self.names if n.startswith(folder + "/"))


def council_state() -> dict:
    """Every package, decision, verdict and their histories, the applications' statuses and history,
    and every issued document: a refused request changes none of it."""
    from candidates.models import Application, ApplicationTransition
    from qac.council.models import (
        CouncilDecision,
        CouncilPackage,
        CouncilVerdict,
        DecisionTransition,
        PackageTransition,
    )
    from tests.helpers.certificates import documents_state

    return {
        "packages": list(
            CouncilPackage.objects.order_by("pk").values_list(
                "pk",
                "session",
                "status",
                "due_on",
                "file",
                "sha256",
                "size",
                "built_at",
                "error",
                "sent_on",
                "sent_via",
                "sent_reference",
                "sent_recorded_by",
                "version",
            )
        ),
        "package_history": list(
            PackageTransition.objects.order_by("pk").values_list(
                "pk", "package", "from_status", "to_status", "by", "note"
            )
        ),
        "decisions": list(
            CouncilDecision.objects.order_by("pk").values_list(
                "pk", "session", "status", "number", "decided_on", "recorded_by", "version"
            )
        ),
        "verdicts": list(
            CouncilVerdict.objects.order_by("pk").values_list("pk", "decision", "result", "verdict", "reason")
        ),
        "decision_history": list(
            DecisionTransition.objects.order_by("pk").values_list(
                "pk", "decision", "from_status", "to_status", "by", "note", "changes"
            )
        ),
        "applications": list(Application.objects.order_by("pk").values_list("pk", "status")),
        "application_history": list(
            ApplicationTransition.objects.order_by("pk").values_list("pk", "to_status", "note")
        ),
        **documents_state(),
    }
