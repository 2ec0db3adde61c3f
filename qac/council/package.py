"""The package for the Council: one ZIP file with a session's exam materials (Decree 1204 p.15-16).

``write_package(session, out)`` streams into ``out``:

- ``00-covering-letter.pdf``: the center's covering letter with the session, the commission,
  each candidate's outcome as the commission approved it, and the inventory of the package;
- ``01-protocol.pdf``: the commission's protocol;
- one folder per candidate, ``NN-Surname-IO/``: the application on the Order 706n form
  (``application-706n.pdf``), the uploaded documents byte for byte (``NN-<document>.<ext>``),
  and, for a candidate who sat the exam, ``theory.pdf`` and ``practical.pdf``;
- ``manifest.json``: every member with its SHA-256 and size, so the Council (and the center,
  years later: Order 759n keeps the materials) can check that nothing changed.

Absent candidates keep their folder with the application set (the Council checks the
application sets of everyone enrolled) but have no theory or practical files: there are no
results to show, and the letter says so.

Member names are ASCII (the surname transliterated as in a Russian passport, ICAO 9303):
the Council opens the file with whatever archiver it has, and older ones garble UTF-8
names even with the UTF-8 flag set (``zipfile`` sets that flag itself for any non-ASCII
name). The Russian descriptions are in the letter's inventory and the manifest. The PDFs
are legal documents, so they are always rendered in Russian.

The PDFs, and the reading of what they show, are in ``package_pdfs.py``; this module names
the files and writes the ZIP. Files are written one at a time and uploaded documents are
copied in chunks, so memory holds at most one rendered PDF.
"""

import datetime
import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from typing import IO

from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import ApplicationDocument
from qac.exams.models import Decision, ExamSession, SessionStatus
from standards.selectors import center_get

from .package_pdfs import (
    CHUNK,
    CandidateMaterials,
    PackageError,
    candidate_context,
    candidate_pdf,
    letter_pdf,
    load_session,
    named,
    practical_criteria,
    practical_sheets,
    protocol_file,
    theory_rows,
)

MANIFEST_FORMAT = "qac-council-package/1"
LETTER = "00-covering-letter.pdf"
PROTOCOL = "01-protocol.pdf"
MANIFEST = "manifest.json"
APPLICATION = "application-706n.pdf"
THEORY = "theory.pdf"
PRACTICAL = "practical.pdf"


# --- Names -----------------------------------------------------------------------------------------

# Russian passports' transliteration (ICAO Doc 9303, MVD order 889 of 2014).
_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch ie y _ e iu ia".split(" "),  # noqa: SIM905
        strict=True,
    )
)
_TRANSLIT["ь"] = ""


def ascii_name(text: str, *, limit: int = 60) -> str:
    """``text`` transliterated to letters, digits, ``.``, ``_`` and ``-``: safe in any archiver and file system."""
    out = []
    for char in text:
        low = char.lower()
        if low in _TRANSLIT:
            latin = _TRANSLIT[low]
            out.append(latin.capitalize() if char != low else latin)
        else:
            out.append(char)
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", "".join(out)).strip("-.")
    return cleaned[:limit].rstrip("-.") or "file"


def candidate_folder(position: int, user) -> str:
    """``03-Ivanov-IP``: the candidate's place in the letter's list, surname and initials."""
    initials = "".join(ascii_name(p)[0] for p in (user.first_name, user.patronymic) if p)
    parts = [ascii_name(user.last_name or user.email.split("@")[0], limit=40)]
    if initials:
        parts.append(initials)
    return f"{position:02d}-{'-'.join(parts)}"


def document_member_name(position: int, document: ApplicationDocument) -> str:
    """``01-Pasport.pdf``: the document type (or the original name) and the uploaded file's extension."""
    stem = document.required_document.name if document.required_document_id else document.original_name
    extension = ""
    match = re.search(r"\.([A-Za-z0-9]{1,8})$", document.file.name or "")
    if match:
        extension = "." + match.group(1).lower()
        if not document.required_document_id:
            stem = re.sub(r"\.[A-Za-z0-9]{1,8}$", "", stem)
    return f"{position:02d}-{ascii_name(stem, limit=50)}{extension}"


def package_filename(session: ExamSession) -> str:
    """``council-package-78.033-31.00400.02-20260305-session12.zip``: center, qualification, exam day, session."""
    center = center_get()
    register = ascii_name(center.register_number) if center else "qac"
    day = timezone.localdate(session.starts_at)
    return f"council-package-{register}-{session.qualification.code}-{day:%Y%m%d}-session{session.pk}.zip"


# --- What goes in ----------------------------------------------------------------------------------


@dataclass
class Member:
    """A file of the package: its name in the ZIP and what it is, in Russian for the inventory."""

    name: str
    description: str
    candidate: CandidateMaterials | None = None


def _plan(session, enrolments, profiles) -> tuple[list[Member], list[CandidateMaterials]]:
    """The files of the package in order, each with its description, and every candidate's materials."""
    spec = session.qualification.exam_spec
    criteria = practical_criteria(spec)
    theory = theory_rows(enrolments)
    members = [
        Member(LETTER, "Сопроводительное письмо с описью материалов"),
        Member(PROTOCOL, "Протокол экспертной комиссии"),
    ]
    candidates = []
    for position, enrolment in enumerate(enrolments, start=1):
        documents = [
            (document_member_name(n, d), d) for n, d in enumerate(enrolment.application.documents.all(), start=1)
        ]
        materials = CandidateMaterials(
            position=position,
            enrolment=enrolment,
            profile=getattr(enrolment.application, "identity", None)
            or profiles.get(enrolment.application.candidate_id),
            documents=documents,
            folder=candidate_folder(position, named(enrolment.application)),
            sat_exam=enrolment.result.decision != Decision.ABSENT,
        )
        attempt = materials.attempt
        if attempt is not None:
            materials.theory_rows = theory.get(attempt.pk, [])
        materials.practical_sheets, materials.practical_any = practical_sheets(session, enrolment, criteria, spec)
        candidates.append(materials)
        members += _candidate_members(materials)
    return members, candidates


def _candidate_members(materials: CandidateMaterials) -> list[Member]:
    """A candidate's folder: the application, the uploaded documents, and the exam's results if they sat it."""
    folder, name = materials.folder, materials.user.get_full_name()
    members = [
        Member(
            f"{folder}/{APPLICATION}",
            f"Заявление для проведения независимой оценки квалификации (форма приказа Минтруда России № 706н), {name}",
            materials,
        )
    ]
    for member_name, document in materials.documents:
        what = document.required_document.name if document.required_document_id else "Документ"
        members.append(
            Member(f"{folder}/{member_name}", f"{what} (копия, файл «{document.original_name}»), {name}", materials)
        )
    if materials.sat_exam:
        members.append(Member(f"{folder}/{THEORY}", f"Результаты теоретического этапа, {name}", materials))
        members.append(Member(f"{folder}/{PRACTICAL}", f"Оценочные листы практического этапа, {name}", materials))
    return members


# --- Writing ---------------------------------------------------------------------------------------


class _Writer:
    """Writes ZIP members one at a time and remembers each one's SHA-256 and size for the manifest."""

    def __init__(self, archive: zipfile.ZipFile, stamp: datetime.datetime):
        self.archive = archive
        self.stamp = stamp.timetuple()[:6]
        self.entries: list[dict] = []

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def write(self, member: Member, content: bytes | IO[bytes], **extra) -> None:
        digest = hashlib.sha256()
        size = 0
        with self.archive.open(self._info(member.name), "w") as dest:
            if isinstance(content, bytes):
                digest.update(content)
                dest.write(content)
                size = len(content)
            else:
                for chunk in iter(lambda: content.read(CHUNK), b""):
                    digest.update(chunk)
                    dest.write(chunk)
                    size += len(chunk)
        self.entries.append(
            {"name": member.name, "sha256": digest.hexdigest(), "size": size, "description": member.description} | extra
        )

    def write_manifest(self, manifest: dict) -> None:
        body = json.dumps(manifest, ensure_ascii=False, indent=2).encode() + b"\n"
        with self.archive.open(self._info(MANIFEST), "w") as dest:
            dest.write(body)


def write_package(session: ExamSession, out: IO[bytes]) -> dict:
    """Write the session's package for the Council into the binary file object ``out``; return the manifest.

    Raises ``PackageError`` for a session whose results are not approved: the Council gets
    the results the chair approved, never a draft.
    """
    # The row as it is now, not as the caller loaded it: the status may have changed since.
    session, enrolments, profiles = load_session(session.pk)
    center = _center_for(session)
    members, candidates = _plan(session, enrolments, profiles)
    created_at = timezone.now()
    by_name = {m.name: m for m in members}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        writer = _Writer(archive, timezone.localtime(created_at))
        writer.write(by_name[LETTER], letter_pdf(session, center, members, candidates, created_at, manifest=MANIFEST))
        protocol_source = _write_protocol(writer, by_name[PROTOCOL], session)
        for candidate in candidates:
            _write_candidate(writer, by_name, candidate, candidate_context(session, center, candidate))
        manifest = _manifest(session, center, candidates, created_at, protocol_source, writer.entries)
        writer.write_manifest(manifest)
    return manifest


def _center_for(session: ExamSession):
    """The center's details for a session whose results are approved; ``PackageError`` otherwise."""
    if session.status != SessionStatus.RESULTS_APPROVED:
        raise PackageError(
            _("The package for the Council is made only after the commission's results are approved (session %(pk)s).")
            % {"pk": session.pk}
        )
    center = center_get()
    if center is None:
        raise PackageError(_("The assessment center's details are not filled in."))
    return center


def _write_protocol(writer: _Writer, member: Member, session: ExamSession) -> str:
    """The protocol into the ZIP; returns where it came from (``"stored"`` or ``"rendered-for-package"``)."""
    protocol, source = protocol_file(session)
    try:
        writer.write(member, protocol)
    finally:
        if not isinstance(protocol, bytes):
            protocol.close()
    return source


def _write_candidate(writer: _Writer, by_name: dict[str, Member], candidate: CandidateMaterials, context) -> None:
    """A candidate's folder: the application, the uploaded documents byte for byte, the exam's results."""
    person = {"candidate": candidate.position, "application": candidate.application.number}
    folder = candidate.folder
    writer.write(by_name[f"{folder}/{APPLICATION}"], candidate_pdf("application", context), **person)
    for member_name, document in candidate.documents:
        with document.file.open("rb") as handle:
            writer.write(by_name[f"{folder}/{member_name}"], handle, **person)
    if candidate.sat_exam:
        writer.write(by_name[f"{folder}/{THEORY}"], candidate_pdf("theory", context), **person)
        writer.write(by_name[f"{folder}/{PRACTICAL}"], candidate_pdf("practical", context), **person)


def _manifest(session, center, candidates, created_at, protocol_source: str, files: list[dict]) -> dict:
    """``manifest.json``: the package's origin and every file with its SHA-256 and size."""
    return {
        "format": MANIFEST_FORMAT,
        "center": {"name": center.name, "register_number": center.register_number},
        "council": center.council_name,
        "session": {
            "id": session.pk,
            "qualification_code": session.qualification.code,
            "qualification_name": session.qualification.name,
            "exam_date": timezone.localdate(session.starts_at).isoformat(),
            "approved_at": timezone.localtime(session.approved_at).isoformat() if session.approved_at else None,
        },
        "created_at": timezone.localtime(created_at).isoformat(),
        "protocol": protocol_source,
        "candidates": [
            {
                "position": c.position,
                "folder": c.folder + "/",
                "application": c.application.number,
                "decision": c.result.decision,
            }
            for c in candidates
        ],
        "files": files,
    }
