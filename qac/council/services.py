"""The package for the Council and the Council's decision: every write, each state machine with one table.

Package: building -> ready -> sent (a failed build, or a ready package, can be built again).
Decision: recorded -> corrected (-> corrected ...), every change with its reason and what changed.
The certificates app listens to ``council_decided`` and makes the documents the verdicts call for.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import tempfile

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates import services as candidate_services
from qac.accounts.roles import is_qac_staff
from qac.enqueue import enqueue
from qac.exams import services as exam_services
from qac.exams.models import ExamResult, ExamSession, ResultCorrection, SessionStatus
from qac.statemachine import Machine, move

from . import package as package_files
from . import selectors
from .models import (
    CouncilDecision,
    CouncilPackage,
    CouncilVerdict,
    DecisionStatus,
    DecisionTransition,
    PackageStatus,
    PackageTransition,
    SendChannel,
    Verdict,
)
from .selectors import decidable_results, exam_day, package_due
from .signals import council_decided, verdict_corrected

logger = logging.getLogger(__name__)
PS = PackageStatus
SYSTEM, STAFF = "system", "staff"

# (from, to) -> who may make the move. "" is "no package yet".
PACKAGE_TRANSITIONS: dict[tuple[str, str], str] = {
    ("", PS.BUILDING): SYSTEM,
    (PS.BUILDING, PS.READY): SYSTEM,
    (PS.BUILDING, PS.FAILED): SYSTEM,
    (PS.FAILED, PS.BUILDING): STAFF,
    (PS.READY, PS.BUILDING): STAFF,
    (PS.READY, PS.SENT): STAFF,
}
DECISION_TRANSITIONS: dict[tuple[str, str], str] = {
    ("", DecisionStatus.RECORDED): STAFF,
    (DecisionStatus.RECORDED, DecisionStatus.CORRECTED): STAFF,
    (DecisionStatus.CORRECTED, DecisionStatus.CORRECTED): STAFF,
}
VERDICT_CHOICES = selectors.VERDICT_CHOICES


class CouncilError(Exception):
    """A request the rules do not allow; the message is shown to the user as it is."""


PACKAGE = Machine(
    model=CouncilPackage,
    history=PackageTransition,
    table=PACKAGE_TRANSITIONS,
    error=CouncilError,
    refusal=gettext_lazy("A package that is «%(status)s» cannot become «%(to)s»."),
    stale=gettext_lazy(
        "Someone else changed this in the meantime. Nothing was applied: "
        "look at the current state and act again if still needed."
    ),
)
DECISION = Machine(
    model=CouncilDecision,
    history=DecisionTransition,
    table=DECISION_TRANSITIONS,
    error=CouncilError,
    refusal=gettext_lazy("This decision cannot be corrected."),
    stale=gettext_lazy(
        "Someone else changed this decision in the meantime. Nothing was applied: "
        "look at the current state and act again if still needed."
    ),
)


def allowed_package_actions(package: CouncilPackage | None, user) -> set[str]:
    """What ``user`` may do with a package now: the pages show exactly these buttons."""
    if package is None or not is_qac_staff(user):
        return set()
    return {"rebuild" if to == PackageStatus.BUILDING else "send" for to in PACKAGE.moves_from(package.status, STAFF)}


def _package_move(
    *, package: CouncilPackage, to: str, by=None, actor: str, note: str = "", expected_version=None, **changes
):
    """The one door for a package's status: checks the table, writes the row and its history in one transaction."""
    return move(
        PACKAGE, package, to, by=by, actor=actor, note=note, expected_version=expected_version, changes=changes
    )[0]


def _build_soon(package_id: int) -> None:
    enqueue("qac.council.tasks.build_package_task", package_id)


def package_request(*, session_id: int) -> CouncilPackage:
    """Open the package of an approved session and queue its building. Idempotent."""
    with transaction.atomic():
        session = ExamSession.objects.select_for_update().get(pk=session_id)
        if session.status != SessionStatus.RESULTS_APPROVED:
            raise CouncilError(_("A package is made only for approved results."))
        existing = CouncilPackage.objects.filter(session=session).first()
        if existing:
            return existing
        package = CouncilPackage.objects.create(session=session, status=PS.BUILDING, due_on=package_due(session))
        PackageTransition.objects.create(package=package, from_status="", to_status=PS.BUILDING)
        _build_soon(package.pk)
    return package


def package_rebuild(*, package: CouncilPackage, by, expected_version: int | None = None) -> CouncilPackage:
    if not is_qac_staff(by):
        raise CouncilError(_("Only the center's staff build packages."))
    package = _package_move(
        package=package,
        to=PS.BUILDING,
        by=by,
        actor=STAFF,
        note=_("Built again."),
        expected_version=expected_version,
        error="",
    )
    with transaction.atomic():
        _build_soon(package.pk)
    return package


def package_build(*, package_id: int) -> CouncilPackage | None:
    """The worker's part: write the ZIP, store it with its hash, mark the package ready. Safe to run twice."""
    package = CouncilPackage.objects.select_related("session").filter(pk=package_id).first()
    if package is None or package.status != PS.BUILDING:
        return None  # a second delivery, or a package that moved on
    with tempfile.TemporaryFile() as tmp:
        package_files.write_package(package.session, tmp)
        tmp.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: tmp.read(1 << 20), b""):
            digest.update(chunk)
        size = tmp.tell()
        tmp.seek(0)
        with transaction.atomic():
            locked = CouncilPackage.objects.select_for_update().get(pk=package_id)
            if locked.status != PS.BUILDING:
                return locked
            old = locked.file.name if locked.file else None
            locked.file.save(package_files.package_filename(package.session), File(tmp), save=True)
            package = _package_move(
                package=locked,
                to=PS.READY,
                actor=SYSTEM,
                sha256=digest.hexdigest(),
                size=size,
                built_at=timezone.now(),
                error="",
                file=locked.file.name,
            )
    if old and old != package.file.name:
        package.file.storage.delete(old)
    return package


def package_fail(*, package_id: int, error: str) -> None:
    package = CouncilPackage.objects.filter(pk=package_id, status=PS.BUILDING).first()
    if package is not None:
        _package_move(package=package, to=PS.FAILED, actor=SYSTEM, error=error[:4000], note=error[:500])


def package_mark_sent(
    *, package: CouncilPackage, by, sent_on: datetime.date, sent_via: str, reference: str = "", expected_version=None
) -> CouncilPackage:
    """Staff record when and how the package went to the Council."""
    if not is_qac_staff(by):
        raise CouncilError(_("Only the center's staff send packages."))
    if sent_via not in SendChannel.values:
        raise CouncilError(_("Say how the package was sent."))
    if sent_on > timezone.localdate():
        raise CouncilError(_("The date of sending cannot be in the future."))
    if sent_on < exam_day(package.session):
        raise CouncilError(_("The package cannot have been sent before the exam."))
    # Before the version check, so a second browser hears what happened rather than "someone changed it".
    already = CouncilPackage.objects.filter(pk=package.pk, status=PS.SENT).values_list("sent_on", flat=True).first()
    if already is not None:
        raise CouncilError(
            _("The package was already recorded as sent on %(on)s; nothing was changed.")
            % {"on": already.strftime("%d.%m.%Y")}
        )
    return _package_move(
        package=package,
        to=PS.SENT,
        by=by,
        actor=STAFF,
        note=reference,
        expected_version=expected_version,
        sent_on=sent_on,
        sent_via=sent_via,
        sent_reference=(reference or "").strip()[:255],
        sent_recorded_by=by,
    )


# --- The Council's decision -----------------------------------------------------------------------


def _clean_verdicts(session: ExamSession, verdicts: dict[int, tuple[str, str]]) -> dict[int, tuple[str, str]]:
    results = {r.pk: r for r in decidable_results(session)}
    missing = [r for pk, r in results.items() if pk not in verdicts]
    if missing:
        raise CouncilError(
            _("Give the Council's verdict for: %(names)s.")
            % {"names": ", ".join(r.enrolment.application.applicant.get_full_name() for r in missing)}
        )
    unknown = set(verdicts) - set(results)
    if unknown:
        raise CouncilError(_("A verdict was given for a result outside this session."))
    clean = {}
    for pk, (verdict, reason) in verdicts.items():
        result = results[pk]
        allowed = VERDICT_CHOICES[result.decision]
        name = result.enrolment.application.applicant.get_full_name()
        if verdict not in allowed:
            raise CouncilError(
                _("%(name)s: the Council cannot decide «%(verdict)s» on a result that is «%(decision)s».")
                % {
                    "name": name,
                    "verdict": Verdict(verdict).label if verdict in Verdict.values else verdict,
                    "decision": result.get_decision_display(),
                }
            )
        reason = (reason or "").strip()
        if verdict != allowed[0] and not reason:
            raise CouncilError(
                _("%(name)s: say why the Council did not recognise the commission's result.") % {"name": name}
            )
        clean[pk] = (verdict, reason)
    return clean


def _check_decision_data(session, number: str, decided_on: datetime.date) -> str:
    number = (number or "").strip()
    if not number:
        raise CouncilError(_("Give the number of the Council's decision (minutes)."))
    if len(number) > 64:
        raise CouncilError(_("The decision number is too long."))
    if decided_on > timezone.localdate():
        raise CouncilError(_("The Council's decision cannot be dated in the future."))
    if decided_on < exam_day(session):
        raise CouncilError(_("The Council's decision cannot be dated before the exam."))
    return number


def _after_decision(session_id: int) -> None:
    council_decided.send(sender=CouncilDecision, session_id=session_id)


def decision_record(
    *, session: ExamSession, by, number: str, decided_on: datetime.date, verdicts: dict[int, tuple[str, str]]
) -> CouncilDecision:
    """Record the Council's decision on a session: a verdict for everyone who sat the exam.

    Nothing is issued before this (Decree 1204 p.16-17). The package must have
    been sent. Recording twice (two browsers) is refused the second time.
    """
    if not is_qac_staff(by):
        raise CouncilError(_("Only the center's staff record the Council's decisions."))
    number = _check_decision_data(session, number, decided_on)
    with transaction.atomic():
        locked = ExamSession.objects.select_for_update().get(pk=session.pk)
        if locked.status != SessionStatus.RESULTS_APPROVED:
            raise CouncilError(_("The Council decides on approved results only."))
        package = CouncilPackage.objects.filter(session=locked).first()
        if package is None or package.status != PS.SENT:
            raise CouncilError(_("Record when the package was sent to the Council before its decision."))
        existing = CouncilDecision.objects.filter(session=locked).first()
        if existing:
            raise CouncilError(
                _("The Council's decision № %(number)s is already recorded for this session; correct it instead.")
                % {"number": existing.number}
            )
        clean = _clean_verdicts(locked, verdicts)
        try:
            with transaction.atomic():
                decision = CouncilDecision.objects.create(
                    session=locked, status=DecisionStatus.RECORDED, number=number, decided_on=decided_on, recorded_by=by
                )
        except IntegrityError as exc:
            raise CouncilError(_("The Council's decision is already recorded for this session.")) from exc
        CouncilVerdict.objects.bulk_create(
            [CouncilVerdict(decision=decision, result_id=pk, verdict=v, reason=r) for pk, (v, r) in clean.items()]
        )
        DecisionTransition.objects.create(
            decision=decision,
            from_status="",
            to_status=DecisionStatus.RECORDED,
            by=by,
            changes={"number": number, "decided_on": decided_on.isoformat(), "verdicts": _verdict_map(clean)},
        )
        _reexams(decision, clean, by)
        session_id = locked.pk
        transaction.on_commit(lambda: _after_decision(session_id))
    return decision


def _verdict_map(clean) -> dict[str, str]:
    return {str(pk): v for pk, (v, _r) in clean.items()}


def _reexams(decision, clean, by, *, before=None) -> None:
    """A result the Council did not recognise sends the application back for a new exam."""
    before = before or {}
    for pk, (verdict, reason) in clean.items():
        if verdict == Verdict.REEXAM and before.get(pk) != Verdict.REEXAM:
            result = ExamResult.objects.select_related("enrolment__application").get(pk=pk)
            candidate_services.application_reopen_for_reexam(
                application=result.enrolment.application,
                by=by,
                note=_("The Council did not recognise the result (decision № %(number)s): %(reason)s")
                % {"number": decision.number, "reason": reason},
            )
            exam_services.enrolments_supersede(application=result.enrolment.application)


def decision_correct(
    *,
    decision: CouncilDecision,
    by,
    reason: str,
    expected_version: int,
    number: str,
    decided_on: datetime.date,
    verdicts: dict[int, tuple[str, str]],
) -> CouncilDecision:
    """Correct a recorded decision, with a reason; the history keeps what changed.

    A verdict whose document already has its register number cannot change
    here: that document is revoked first (or the appeal path is followed).
    """
    if not is_qac_staff(by):
        raise CouncilError(_("Only the center's staff record the Council's decisions."))
    reason = (reason or "").strip()
    if not reason:
        raise CouncilError(_("Say why the decision is corrected: the correction is recorded with its reason."))
    session = decision.session
    number = _check_decision_data(session, number, decided_on)
    corrected = {}  # the verdicts before and the changed ones: re-exams follow the history row, after the move

    def correct(locked: CouncilDecision) -> dict:
        before, changed = _correct_verdicts(locked, session=session, verdicts=verdicts)
        corrected.update(before=before, changed=changed)
        diff = {
            "reason": reason,
            "number": [locked.number, number],
            "decided_on": [locked.decided_on.isoformat(), decided_on.isoformat()],
            "verdicts": {str(pk): [before.get(pk), v] for pk, (v, _r) in changed.items()},
        }
        locked.number, locked.decided_on = number, decided_on
        return {"changes": diff}

    with transaction.atomic():
        locked, _row = move(
            DECISION,
            decision,
            DecisionStatus.CORRECTED,
            by=by,
            actor=STAFF,
            note=reason,
            expected_version=expected_version,
            effect=correct,
        )
        _reexams(locked, corrected["changed"], by, before=corrected["before"])
        session_id = session.pk
        transaction.on_commit(lambda: _after_decision(session_id))
    return locked


def _correct_verdicts(locked: CouncilDecision, *, session: ExamSession, verdicts) -> tuple[dict, dict]:
    """Change the verdicts that differ from ``verdicts``; returns the verdicts before and the changed ones.

    Refused for a verdict whose document has its register number, and for a re-exam verdict.
    """
    clean = _clean_verdicts(session, verdicts)
    current = {v.result_id: v for v in locked.verdicts.all()}
    before = {pk: v.verdict for pk, v in current.items()}
    changed = {pk: vr for pk, vr in clean.items() if before.get(pk) != vr[0] or current[pk].reason != vr[1]}
    for pk, (verdict, _r) in changed.items():
        if before.get(pk) != verdict and current[pk].documents.exclude(number_source="awaiting").exists():
            raise CouncilError(
                _(
                    "%(name)s: a document under this verdict already has its register number; "
                    "revoke it before changing the verdict."
                )
                % {"name": current[pk].result.enrolment.application.applicant.get_full_name()}
            )
        if before.get(pk) == Verdict.REEXAM and verdict != Verdict.REEXAM:
            raise CouncilError(_("A re-exam verdict sent the application back for a new exam; it is not changed here."))
    for pk, (verdict, verdict_reason) in changed.items():
        CouncilVerdict.objects.filter(pk=current[pk].pk).update(verdict=verdict, reason=verdict_reason)
    return before, changed


def verdict_follow_result(*, result_id: int, correction_id: int) -> CouncilVerdict | None:
    """An approved result was corrected after the Council decided: its verdict follows the corrected result.

    The verdict becomes the one the corrected result calls for (a pass a
    certificate, a fail a conclusion), recorded as a correction of the decision
    with the result's reason; the certificates app then revokes or withdraws the
    old document and makes the new one. A re-exam verdict, a verdict that
    already fits, or a session the Council has not decided on yet is left alone
    (the Council then decides on the corrected result). Safe to run twice.
    """
    correction = ResultCorrection.objects.select_related("by").get(pk=correction_id)
    with transaction.atomic():
        verdict = CouncilVerdict.objects.filter(result_id=result_id).first()
        if verdict is None or verdict.verdict == Verdict.REEXAM:
            return None
        decision = CouncilDecision.objects.select_for_update().get(pk=verdict.decision_id)
        verdict = CouncilVerdict.objects.select_related("result").get(pk=verdict.pk)
        allowed = VERDICT_CHOICES.get(verdict.result.decision)
        if allowed is None:
            # Corrected to "absent": no document is due; the Council's page shows the mismatch to staff.
            logger.warning("Result %s corrected to %s under a verdict", result_id, verdict.result.decision)
            return None
        new = allowed[0]
        if verdict.verdict == new:
            return None
        before = verdict.verdict
        reason = _("The exam result was corrected: %(reason)s") % {"reason": correction.reason}
        CouncilVerdict.objects.filter(pk=verdict.pk).update(verdict=new, reason=reason)
        changes = {"reason": reason, "verdicts": {str(result_id): [before, new]}, "result_correction": correction_id}
        move(
            DECISION,
            decision,
            DecisionStatus.CORRECTED,
            by=correction.by,
            actor=STAFF,
            note=reason,
            entry={"changes": changes},
        )
        data = {"verdict_id": verdict.pk, "before": before, "reason": reason, "by_id": correction.by_id}
        transaction.on_commit(lambda: verdict_corrected.send(sender=CouncilVerdict, **data))
    verdict.refresh_from_db()
    return verdict
