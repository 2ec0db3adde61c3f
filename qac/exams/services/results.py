"""The practical stage's scores and the results: computed from both stages, absence and removal, corrections."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from candidates import services as candidate_services
from candidates.models import Application
from qac.accounts.roles import Role, has_role, is_qac_staff
from standards.models import ExamSpecification, PracticalCriterion

from ..models import Decision, Enrolment, EnrolmentStatus, ExamResult, ExamSession, PracticalScore, ResultCorrection
from ..selectors import is_chair, is_commission_member, practical_evaluate
from ..signals import result_corrected
from .base import SS, ExamError, _event

# --- Practical stage --------------------------------------------------------------------------


def practical_save_scores(
    *, enrolment: Enrolment, expert, scores: dict[int, int], comments: dict[int, str] | None = None
):
    """An expert's own scores for one candidate, criterion by criterion, within each criterion's maximum."""
    comments = comments or {}
    with transaction.atomic():
        session = ExamSession.objects.select_for_update().get(pk=enrolment.session_id)
        if not is_commission_member(session, expert):
            raise ExamError(_("Only the experts of this session's commission score its candidates."))
        if session.status not in (SS.IN_PROGRESS, SS.COMPLETED):
            raise ExamError(_("Scores are recorded while the session runs or before its results are approved."))
        if enrolment.status != EnrolmentStatus.ENROLLED or enrolment.present is False:
            raise ExamError(_("This candidate is not sitting the exam."))
        if _not_admitted_to_practical(session=session, enrolment=enrolment):
            raise ExamError(
                _("%(name)s did not pass the theory stage and is not admitted to the practical stage.")
                % {"name": enrolment.application.candidate.get_full_name()}
            )
        criteria = {
            c.pk: c for c in PracticalCriterion.objects.filter(task__spec__qualification_id=session.qualification_id)
        }
        for criterion_id, score in scores.items():
            criterion = criteria.get(criterion_id)
            if criterion is None:
                raise ExamError(_("A criterion does not belong to this qualification."))
            if not 0 <= score <= criterion.max_score:
                raise ExamError(
                    _("«%(criterion)s» is scored from 0 to %(max)s.")
                    % {"criterion": criterion.text, "max": criterion.max_score}
                )
        for criterion_id, score in scores.items():
            PracticalScore.objects.update_or_create(
                enrolment=enrolment,
                expert=expert,
                criterion_id=criterion_id,
                defaults={"score": score, "comment": (comments.get(criterion_id) or "")[:1000]},
            )
        if session.status == SS.COMPLETED:
            result_compute(enrolment=enrolment)


def _not_admitted_to_practical(*, session, enrolment) -> bool:
    """The specification requires a passed theory stage, and this candidate's theory stage failed."""
    requires = (
        ExamSpecification.objects.filter(qualification_id=session.qualification_id)
        .values_list("practical_requires_theory", flat=True)
        .first()
    )
    return bool(requires) and ExamResult.objects.filter(enrolment_id=enrolment.pk, theory_passed=False).exists()


# --- Results ----------------------------------------------------------------------------------


def result_compute(*, enrolment: Enrolment) -> ExamResult:
    """Work out the decision from both stages, unless staff recorded absence or removal."""
    result, _created = ExamResult.objects.get_or_create(enrolment=enrolment)
    if result.decision in (Decision.ABSENT, Decision.REMOVED):
        return result
    if enrolment.present is False:
        result.decision = Decision.ABSENT
        result.save()
        return result
    if enrolment.session.qualification.exam_spec.practical_requires_theory and result.theory_passed is False:
        # Not admitted to the practical stage: any scores given anyway do not count.
        result.practical_not_admitted = True
        result.practical_percent = result.practical_passed = None
        result.failed_criteria = []
        result.decision = Decision.FAILED
        result.save()
        return result
    result.practical_not_admitted = False
    practical = practical_evaluate(enrolment=enrolment)
    result.practical_percent = practical["percent"]
    result.practical_passed = practical["passed"]
    result.failed_criteria = practical["failed_criteria"]
    if result.theory_passed is None or practical["passed"] is None:
        result.decision = ""
    else:
        result.decision = Decision.PASSED if result.theory_passed and practical["passed"] else Decision.FAILED
    result.save()
    return result


def result_set_special(*, enrolment: Enrolment, by, decision: str, note: str) -> ExamResult:
    """Record that a candidate was absent or removed for breaking the rules (with the incident note)."""
    if not is_qac_staff(by) and not is_chair(enrolment.session, by):
        raise ExamError(_("Only staff or the chair record an absence or a removal."))
    if decision not in (Decision.ABSENT, Decision.REMOVED):
        raise ExamError(_("Unknown decision."))
    note = (note or "").strip()
    if decision == Decision.REMOVED and not note:
        raise ExamError(_("Describe the incident: a removal must be justified."))
    with transaction.atomic():
        session = ExamSession.objects.select_for_update().get(pk=enrolment.session_id)
        if session.status not in (SS.OPEN, SS.IN_PROGRESS, SS.COMPLETED):
            raise ExamError(_("This is recorded while the session runs, before its results are approved."))
        result, _created = ExamResult.objects.get_or_create(enrolment=enrolment)
        result.decision = decision
        result.incident_note = note
        result.save()
        if decision == Decision.ABSENT:
            Enrolment.objects.filter(pk=enrolment.pk).update(present=False)
        _event(
            session,
            by,
            note=f"{result.get_decision_display()}: {enrolment.application.candidate.get_full_name()}. {note}",
        )
    return result


def enrolments_supersede(*, application: Application) -> int:
    """The application goes back for a new exam: its approved enrolments stay on record but no longer hold it."""
    return Enrolment.objects.filter(
        application=application, status=EnrolmentStatus.ENROLLED, session__status=SS.RESULTS_APPROVED
    ).update(superseded=True)


RESULT_FIELDS = (
    "theory_percent",
    "theory_passed",
    "practical_percent",
    "practical_passed",
    "decision",
    "incident_note",
)


def result_correct(*, result: ExamResult, by, reason: str, **changes) -> ExamResult:
    """Change an approved result: only the chair or the head, always with a reason, recorded with before and after."""
    reason = (reason or "").strip()
    if not reason:
        raise ExamError(_("A correction of approved results needs a reason."))
    session = result.enrolment.session
    if session.status != SS.RESULTS_APPROVED:
        raise ExamError(_("Results that are not approved yet are edited directly."))
    if not (is_chair(session, by) or has_role(by, Role.HEAD)):
        raise ExamError(_("Only the chair or the head of the center corrects approved results."))
    unknown = set(changes) - set(RESULT_FIELDS)
    if unknown:
        raise ExamError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    if "decision" in changes and changes["decision"] not in Decision.values:
        raise ExamError(_("Unknown decision."))
    with transaction.atomic():
        result = ExamResult.objects.select_for_update().get(pk=result.pk)
        before = {f: getattr(result, f) for f in RESULT_FIELDS}
        for field, value in changes.items():
            setattr(result, field, value)
        spec = session.qualification.exam_spec
        if "theory_percent" in changes and "theory_passed" not in changes and result.theory_percent is not None:
            result.theory_passed = result.theory_percent >= spec.theory_pass_percent
        if (
            "practical_percent" in changes
            and "practical_passed" not in changes
            and result.practical_percent is not None
        ):
            result.practical_passed = result.practical_percent >= spec.practical_pass_percent
        result.save()
        correction = ResultCorrection.objects.create(
            result=result, by=by, reason=reason, before=before, after={f: getattr(result, f) for f in RESULT_FIELDS}
        )
        if before["decision"] != result.decision:
            # The application's outcome follows the corrected result, and the candidate is told (its e-mail).
            candidate_services.application_correct_outcome(
                application=result.enrolment.application,
                by=by,
                outcome=result.decision,
                note=_("The approved result was corrected: %(reason)s") % {"reason": reason},
            )
        ids = {"result_id": result.pk, "correction_id": correction.pk}
        transaction.on_commit(lambda: result_corrected.send(sender=ExamResult, **ids))
    return result
