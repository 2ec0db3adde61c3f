"""The PDFs of the package for the Council: what each one shows, and how it is rendered.

The covering letter, the commission's protocol, and per candidate the Order 706n application,
the theory answers and the practical score sheets. Everything they show is read in a fixed
number of queries whatever the number of candidates. They are legal documents for a Russian
body, so they are always rendered in Russian. ``package.py`` puts them in the ZIP.
"""

import hashlib
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
)
from qac.exams.selectors import protocol_context, score_percent  # the same rounding the result was computed with
from qac.pdf import font_config
from standards.models import PracticalCriterion

# The language of the documents: legal texts for a Russian body, whatever the user's language.
DOCUMENT_LANGUAGE = "ru"
CHUNK = 1024 * 1024
CANDIDATE_TEMPLATES = {
    "application": "council/pdf/application_706n.html",
    "theory": "council/pdf/theory.html",
    "practical": "council/pdf/practical.html",
}


class PackageError(Exception):
    """The package cannot be written for this session; ``message`` says why, for staff."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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
        return named(self.enrolment.application)

    @property
    def result(self):
        return self.enrolment.result

    @property
    def attempt(self):
        return getattr(self.enrolment, "theory_attempt", None)


def named(application):
    """The applicant as the application was submitted (its identity), else the account."""
    return application.applicant


def load_session(session_id: int):
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
    enrolments.sort(key=lambda e: (named(e.application).get_full_name(), e.pk))
    profiles = {
        p.user_id: p
        for p in CandidateProfile.objects.filter(user_id__in=[e.application.candidate_id for e in enrolments])
    }
    return session, enrolments, profiles


def theory_rows(enrolments: list[Enrolment]) -> dict[int, list[dict]]:
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


def practical_criteria(spec) -> list[PracticalCriterion]:
    return list(
        PracticalCriterion.objects.filter(task__spec=spec)
        .select_related("task")
        .order_by("task__position", "task_id", "position", "id")
    )


def practical_sheets(session, enrolment, criteria, spec) -> tuple[list[dict], bool]:
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


# --- Rendering -------------------------------------------------------------------------------------


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    with translation.override(DOCUMENT_LANGUAGE):
        html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=font_config())


def blank_application_pdf(center) -> bytes:
    """The 706n application form with nothing filled in but the center: the published sample (Decree 1204 p.4 «ж»).

    Rendered from the same template as each candidate's application in the package, so the
    sample and the real form never differ.
    """
    return render_pdf(
        CANDIDATE_TEMPLATES["application"],
        {"center": center, "c": {"documents": []}, "now": timezone.now(), "notify_by": "", "postal_address": ""},
    )


def protocol_file(session) -> tuple[IO[bytes] | bytes, str]:
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
    return render_pdf("exams/protocol.html", protocol_context(session)), "rendered-for-package"


def letter_pdf(session, center, members, candidates, created_at, *, manifest: str) -> bytes:
    """The covering letter: the session, the commission, each outcome, and the inventory of the package."""
    counts = {}
    for c in candidates:
        counts[c.result.decision] = counts.get(c.result.decision, 0) + 1
    context = {
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
        "manifest": manifest,
    }
    return render_pdf("council/pdf/covering_letter.html", context)


def candidate_context(session, center, candidate: CandidateMaterials) -> dict:
    """What a candidate's PDFs (``CANDIDATE_TEMPLATES``) show."""
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


def candidate_pdf(what: str, context: dict) -> bytes:
    """One of a candidate's PDFs: ``"application"``, ``"theory"`` or ``"practical"``."""
    return render_pdf(CANDIDATE_TEMPLATES[what], context)
