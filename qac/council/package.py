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

Reading is a fixed number of queries whatever the number of candidates; files are written
one at a time and uploaded documents are copied in chunks, so memory holds at most one
rendered PDF.
"""

import datetime
import hashlib
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from candidates.models import ApplicationDocument, CandidateProfile
from qac.exams.models import (
    Answer,
    Choice,
    CommissionMember,
    Decision,
    Enrolment,
    EnrolmentStatus,
    ExamSession,
    PracticalScore,
    Question,
    SessionStatus,
)
from qac.exams.selectors import protocol_context, score_percent  # the same rounding the result was computed with
from qac.pdf import font_config
from standards.models import PracticalCriterion
from standards.selectors import center_get

MANIFEST_FORMAT = "qac-council-package/1"
LETTER = "00-covering-letter.pdf"
PROTOCOL = "01-protocol.pdf"
MANIFEST = "manifest.json"
APPLICATION = "application-706n.pdf"
THEORY = "theory.pdf"
PRACTICAL = "practical.pdf"
# The language of the documents: legal texts for a Russian body, whatever the user's language.
DOCUMENT_LANGUAGE = "ru"
CHUNK = 1024 * 1024


class PackageError(Exception):
    """The package cannot be written for this session; ``message`` says why, for staff."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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
class CandidateMaterials:
    """One enrolled candidate's part of the package, with everything its PDFs show."""

    position: int
    enrolment: Enrolment
    profile: CandidateProfile | None
    documents: list[tuple[str, ApplicationDocument]]
    folder: str
    sat_exam: bool
    theory_rows: list[dict] = field(default_factory=list)
    practical_sheets: list[dict] = field(default_factory=list)
    practical_any: bool = False

    @property
    def application(self):
        return self.enrolment.application

    @property
    def user(self):
        return _named(self.enrolment.application)

    @property
    def result(self):
        return self.enrolment.result

    @property
    def attempt(self):
        return getattr(self.enrolment, "theory_attempt", None)


@dataclass
class Member:
    """A file of the package: its name in the ZIP and what it is, in Russian for the inventory."""

    name: str
    description: str
    candidate: CandidateMaterials | None = None


def _named(application):
    """The applicant as the application was submitted (its identity), else the account."""
    return application.applicant


def _load(session_id: int):
    """The session with everything the package shows, in a fixed number of queries."""
    session = (
        ExamSession.objects.select_related("qualification__standard", "qualification__exam_spec", "approved_by")
        .prefetch_related(Prefetch("commission", queryset=CommissionMember.objects.select_related("expert")))
        .get(pk=session_id)
    )
    enrolments = list(
        Enrolment.objects.filter(session=session, status=EnrolmentStatus.ENROLLED, result__isnull=False)
        .select_related(
            "application__candidate", "application__identity", "application__qualification", "result", "theory_attempt"
        )
        .prefetch_related(
            Prefetch(
                "application__documents",
                queryset=ApplicationDocument.objects.select_related("required_document").order_by(
                    "required_document__position", "uploaded_at", "id"
                ),
            ),
            Prefetch("practical_scores", queryset=PracticalScore.objects.order_by("expert_id", "criterion_id")),
        )
    )
    # The order of the protocol: by the candidate's full name.
    enrolments.sort(key=lambda e: (_named(e.application).get_full_name(), e.pk))
    profiles = {
        p.user_id: p
        for p in CandidateProfile.objects.filter(user_id__in=[e.application.candidate_id for e in enrolments])
    }
    return session, enrolments, profiles


def _theory_rows(enrolments: list[Enrolment]) -> dict[int, list[dict]]:
    """Per attempt: the questions asked, in the drawn order, with the candidate's and the correct choices."""
    attempts = [e.theory_attempt for e in enrolments if getattr(e, "theory_attempt", None)]
    question_ids = {qid for a in attempts for qid in a.question_ids}
    questions = {
        q.pk: q
        for q in Question.objects.filter(pk__in=question_ids).prefetch_related(
            Prefetch("choices", queryset=Choice.objects.order_by("position", "id"))
        )
    }
    answers: dict[int, dict[int, set]] = {}
    for answer in Answer.objects.filter(attempt__in=[a.pk for a in attempts]).only(
        "attempt_id", "question_id", "choice_ids"
    ):
        answers.setdefault(answer.attempt_id, {})[answer.question_id] = set(answer.choice_ids)
    rows: dict[int, list[dict]] = {}
    for attempt in attempts:
        given_by_question = answers.get(attempt.pk, {})
        attempt_rows = []
        for number, qid in enumerate(attempt.question_ids, start=1):
            question = questions.get(qid)
            if question is None:  # a question removed from the bank since: PROTECT makes this unlikely
                continue
            given = given_by_question.get(qid, set())
            correct = {c.pk for c in question.choices.all() if c.is_correct}
            attempt_rows.append(
                {
                    "number": number,
                    "question": question,
                    "choices": [
                        {"text": c.text, "given": c.pk in given, "correct": c.is_correct}
                        for c in question.choices.all()
                    ],
                    "answered": bool(given),
                    "right": given == correct,
                    "points": question.weight if given == correct else 0,
                }
            )
        rows[attempt.pk] = attempt_rows
    return rows


def _practical_sheets(session, enrolment, criteria, spec) -> tuple[list[dict], bool]:
    """Per commission member: every criterion with the score, maximum and comment, the total and its verdict."""

    scores = {(s.expert_id, s.criterion_id): s for s in enrolment.practical_scores.all()}
    maximum = sum(c.max_score for c in criteria)
    sheets = []
    for member in session.commission.all():
        rows = []
        total = 0
        complete = True
        for criterion in criteria:
            score = scores.get((member.expert_id, criterion.pk))
            if score is None:
                complete = False
            else:
                total += score.score
            rows.append({"criterion": criterion, "score": score})
        percent = score_percent(total, maximum) if complete and criteria else None
        sheets.append(
            {
                "member": member,
                "rows": rows,
                "total": total,
                "maximum": maximum,
                "percent": percent,
                "passed": None if percent is None else percent >= spec.practical_pass_percent,
                "complete": complete,
            }
        )
    return sheets, bool(scores)


def _plan(session, enrolments, profiles) -> tuple[list[Member], list[CandidateMaterials]]:
    spec = session.qualification.exam_spec
    criteria = list(
        PracticalCriterion.objects.filter(task__spec=spec)
        .select_related("task")
        .order_by("task__position", "task_id", "position", "id")
    )
    theory = _theory_rows(enrolments)
    members = [
        Member(LETTER, "Сопроводительное письмо с описью материалов"),
        Member(PROTOCOL, "Протокол экспертной комиссии"),
    ]
    candidates = []
    for position, enrolment in enumerate(enrolments, start=1):
        user = _named(enrolment.application)
        documents = [
            (document_member_name(n, d), d) for n, d in enumerate(enrolment.application.documents.all(), start=1)
        ]
        sat_exam = enrolment.result.decision != Decision.ABSENT
        materials = CandidateMaterials(
            position=position,
            enrolment=enrolment,
            profile=getattr(enrolment.application, "identity", None)
            or profiles.get(enrolment.application.candidate_id),
            documents=documents,
            folder=candidate_folder(position, user),
            sat_exam=sat_exam,
        )
        attempt = materials.attempt
        if attempt is not None:
            materials.theory_rows = theory.get(attempt.pk, [])
        materials.practical_sheets, materials.practical_any = _practical_sheets(session, enrolment, criteria, spec)
        candidates.append(materials)
        name = user.get_full_name()
        members.append(
            Member(
                f"{materials.folder}/{APPLICATION}",
                f"Заявление для проведения независимой оценки квалификации (форма приказа Минтруда России № 706н), "
                f"{name}",
                materials,
            )
        )
        for member_name, document in documents:
            what = document.required_document.name if document.required_document_id else "Документ"
            members.append(
                Member(
                    f"{materials.folder}/{member_name}",
                    f"{what} (копия, файл «{document.original_name}»), {name}",
                    materials,
                )
            )
        if sat_exam:
            members.append(
                Member(f"{materials.folder}/{THEORY}", f"Результаты теоретического этапа, {name}", materials)
            )
            members.append(
                Member(f"{materials.folder}/{PRACTICAL}", f"Оценочные листы практического этапа, {name}", materials)
            )
    return members, candidates


# --- Rendering -------------------------------------------------------------------------------------


def _pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    with translation.override(DOCUMENT_LANGUAGE):
        html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=font_config())


def blank_application_pdf(center) -> bytes:
    """The 706n application form with nothing filled in but the center: the published sample (Decree 1204 p.4 «ж»).

    Rendered from the same template as each candidate's application in the package, so the
    sample and the real form never differ.
    """
    return _pdf(
        "council/pdf/application_706n.html",
        {"center": center, "c": {"documents": []}, "now": timezone.now(), "notify_by": "", "postal_address": ""},
    )


def _protocol(session) -> tuple[IO[bytes] | bytes, str]:
    """The protocol as stored on the session; rendered now, from the same template, if it is not stored yet.

    Approval starts both the protocol's rendering (an exams task) and this package (a council
    task) in separate workers, so either may run first; and a protocol whose rendering failed
    would otherwise hold the package past the Council's 7-day deadline. Rendering it here uses
    the exams app's own template and context (``protocol_context``), so the content is the same
    document the exams app stores; it is not stored on the session (that is the exams app's
    job), and the manifest records ``"protocol": "rendered-for-package"`` so a reader knows.
    A stored protocol whose bytes no longer match its recorded SHA-256 stops the package.
    """
    if session.protocol:
        handle = session.protocol.open("rb")
        if session.protocol_sha256:
            digest = hashlib.sha256()
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
            handle.seek(0)
            if digest.hexdigest() != session.protocol_sha256:
                handle.close()
                raise PackageError(
                    _("The stored protocol of session %(pk)s does not match its checksum: render it again.")
                    % {"pk": session.pk}
                )
        return handle, "stored"
    return _pdf("exams/protocol.html", protocol_context(session)), "rendered-for-package"


def _letter_context(session, center, members, candidates, created_at) -> dict:
    counts = {}
    for c in candidates:
        counts[c.result.decision] = counts.get(c.result.decision, 0) + 1
    return {
        "session": session,
        "center": center,
        "commission": list(session.commission.all()),
        "candidates": candidates,
        "members": members,
        "created_at": created_at,
        "exam_day": timezone.localdate(session.starts_at),
        "counts": [
            (Decision(d).label, n) for d, n in sorted(counts.items(), key=lambda kv: Decision.values.index(kv[0]))
        ],
        "Decision": Decision,
        "manifest": MANIFEST,
    }


def _candidate_context(session, center, candidate: CandidateMaterials) -> dict:
    return {
        "session": session,
        "center": center,
        "c": candidate,
        "application": candidate.application,
        "user": candidate.user,
        "profile": candidate.profile,
        "result": candidate.result,
        "attempt": candidate.attempt,
        "spec": session.qualification.exam_spec,
        "exam_day": timezone.localdate(session.starts_at),
        "Decision": Decision,
        "now": timezone.now(),
        # 706n asks for these; the application model may not hold them (yet): the form then says so.
        "notify_by": getattr(candidate.application, "notify_by", "") or "",
        "postal_address": getattr(candidate.application, "postal_address", "") or "",
    }


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
    session, enrolments, profiles = _load(session.pk)
    if session.status != SessionStatus.RESULTS_APPROVED:
        raise PackageError(
            _("The package for the Council is made only after the commission's results are approved (session %(pk)s).")
            % {"pk": session.pk}
        )
    center = center_get()
    if center is None:
        raise PackageError(_("The assessment center's details are not filled in."))
    members, candidates = _plan(session, enrolments, profiles)
    created_at = timezone.now()
    by_name = {m.name: m for m in members}
    protocol_source = None
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        writer = _Writer(archive, timezone.localtime(created_at))
        writer.write(
            by_name[LETTER],
            _pdf("council/pdf/covering_letter.html", _letter_context(session, center, members, candidates, created_at)),
        )
        protocol, protocol_source = _protocol(session)
        try:
            writer.write(by_name[PROTOCOL], protocol)
        finally:
            if not isinstance(protocol, bytes):
                protocol.close()
        for candidate in candidates:
            context = _candidate_context(session, center, candidate)
            person = {"candidate": candidate.position, "application": candidate.application.number}
            writer.write(
                by_name[f"{candidate.folder}/{APPLICATION}"],
                _pdf("council/pdf/application_706n.html", context),
                **person,
            )
            for member_name, document in candidate.documents:
                with document.file.open("rb") as handle:
                    writer.write(by_name[f"{candidate.folder}/{member_name}"], handle, **person)
            if candidate.sat_exam:
                writer.write(
                    by_name[f"{candidate.folder}/{THEORY}"], _pdf("council/pdf/theory.html", context), **person
                )
                writer.write(
                    by_name[f"{candidate.folder}/{PRACTICAL}"], _pdf("council/pdf/practical.html", context), **person
                )
        manifest = {
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
            "files": writer.entries,
        }
        writer.write_manifest(manifest)
    return manifest
