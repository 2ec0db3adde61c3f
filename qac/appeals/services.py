"""Appeals: every write. One table of moves, one door (``_move``) that makes them and writes the history.

filed -> forwarded (to the Council's appeals commission) -> satisfied | rejected; satisfied -> executed;
filed | forwarded -> withdrawn. The candidate is e-mailed at every step (``tasks.appeal_notify_task``).
Executing a satisfied appeal goes through the services upstream: a new exam reopens the application as
the Council's "not recognised" verdict does, a corrected result goes through the exams correction (whose
signal moves the Council's verdict and the documents), a reissue is a duplicate of the certificate.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates import services as candidate_services
from candidates.models import OPEN_STATUSES, Application, ApplicationStatus
from candidates.uploads import inspect_upload
from qac.accounts.roles import is_qac_staff
from qac.certificates import services as certificate_services
from qac.certificates.models import DuplicateGrounds
from qac.enqueue import enqueue
from qac.exams import services as exam_services
from qac.statemachine import Machine, move

from . import selectors
from .models import Appeal, AppealFile, AppealStatus, AppealTransition, Channel, Grounds, Remedy

S = AppealStatus
CANDIDATE, STAFF = "candidate", "staff"

# (from, to) -> who may make the move. "" is "no appeal yet".
TRANSITIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("", S.FILED): (CANDIDATE, STAFF),
    (S.FILED, S.FORWARDED): (STAFF,),
    (S.FORWARDED, S.SATISFIED): (STAFF,),
    (S.FORWARDED, S.REJECTED): (STAFF,),
    (S.SATISFIED, S.EXECUTED): (STAFF,),
    (S.FILED, S.WITHDRAWN): (CANDIDATE, STAFF),
    (S.FORWARDED, S.WITHDRAWN): (CANDIDATE, STAFF),
}


class AppealError(Exception):
    """A request the rules do not allow; the message is shown to the user as it is."""


APPEAL = Machine(
    model=Appeal,
    history=AppealTransition,
    table=TRANSITIONS,
    error=AppealError,
    refusal=gettext_lazy("An appeal that is «%(status)s» cannot become «%(to)s»."),
    stale=gettext_lazy(
        "Someone else changed this appeal in the meantime (it is now «%(status)s»). Nothing was "
        "applied: look at its current state and act again if still needed."
    ),
    # Executing a satisfied appeal reads both (its remedy); the other moves do not mind them.
    lock_related=("application", "result"),
)


def actor_of(user) -> str:
    return STAFF if is_qac_staff(user) else CANDIDATE


def _fmt(day: datetime.date) -> str:
    return day.strftime("%d.%m.%Y")


def _notify(transition: AppealTransition) -> None:
    enqueue("qac.appeals.tasks.appeal_notify_task", transition.pk)


def _history_opened(appeal: Appeal, *, by, changes: dict) -> None:
    """The first row of an appeal's history ("" -> filed), told to the candidate like every move."""
    _notify(AppealTransition.objects.create(appeal=appeal, from_status="", to_status=S.FILED, by=by, changes=changes))


def _logged(changes: dict) -> dict:
    """The fields a move set, as the history row's JSON keeps them: dates as ISO text, a correction as its id."""
    logged = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in changes.items()}
    if "correction" in logged:
        logged["correction"] = changes["correction"].pk if changes["correction"] else None
    return logged


def _move(
    *, appeal: Appeal, to: str, by, expected_version: int | None, note: str = "", effect=None, **changes
) -> Appeal:
    """The one door for an appeal's status: row lock, version, the table, the row and its history.

    ``effect(locked)`` runs once the move is checked (it may refuse by raising); the fields it
    returns are set on the appeal and kept in the history beside ``changes``.
    """

    def record(locked: Appeal) -> dict:
        done = dict(changes)
        for field, value in (effect(locked) if effect else {}).items():
            setattr(locked, field, value)
            done[field] = value
        return {"changes": _logged(done)}

    with transaction.atomic():
        locked, transition = move(
            APPEAL,
            appeal,
            to,
            by=by,
            actor=actor_of(by),
            note=note,
            expected_version=expected_version,
            changes=changes,
            effect=record,
        )
        _notify(transition)
    return locked


def notification_claim(*, transition_id: int) -> bool:
    """Claim a move's e-mail; False if it went (or is going) out already. A conditional UPDATE: one sender wins."""
    return bool(
        AppealTransition.objects.filter(pk=transition_id, notified_at__isnull=True).update(notified_at=timezone.now())
    )


def notification_release(*, transition_id: int) -> None:
    AppealTransition.objects.filter(pk=transition_id).update(notified_at=None)


def appeals_mark_reported(*, appeal_ids: list[int], batch_id: int) -> int:
    """The registry export reported these decided appeals (inside its own transaction): never again."""
    return Appeal.objects.filter(pk__in=appeal_ids, register_batch_id__isnull=True).update(register_batch_id=batch_id)


# --- Filing ----------------------------------------------------------------------------------------


def _clean_grounds(application: Application, grounds) -> list[str]:
    grounds = [g for g in Grounds.values if g in set(grounds or [])]
    if not grounds:
        raise AppealError(_("Choose the grounds of the appeal (Order 701n p.4)."))
    refused = application.status == ApplicationStatus.REJECTED
    if refused and grounds != [Grounds.REFUSED]:
        raise AppealError(_("A refused application is appealed on the grounds of the refusal only."))
    if not refused and Grounds.REFUSED in grounds:
        raise AppealError(_("This application was not refused: choose other grounds."))
    return grounds


def _check_files(files) -> list[tuple]:
    files = list(files or [])
    if len(files) > settings.QAC_APPEAL_MAX_FILES:
        raise AppealError(_("Attach at most %(n)s files.") % {"n": settings.QAC_APPEAL_MAX_FILES})
    checked = []
    for uploaded in files:
        try:
            content_type, digest = inspect_upload(uploaded)
        except ValidationError as exc:
            raise AppealError(" ".join(exc.messages)) from exc
        checked.append((uploaded, content_type, digest))
    return checked


def _store_files(appeal: Appeal, checked: list[tuple]) -> None:
    for uploaded, content_type, digest in checked:
        row = AppealFile(
            appeal=appeal,
            original_name=(uploaded.name or "")[:255],
            content_type=content_type,
            size=uploaded.size,
            sha256=digest,
        )
        row.file.save(uploaded.name or "file", uploaded, save=False)
        row.save()


def _check_deadline(application: Application, filed_on: datetime.date) -> datetime.date | None:
    if filed_on > timezone.localdate():
        raise AppealError(_("An appeal cannot be received in the future."))
    closes = selectors.appeal_deadline(application)
    if closes is not None and filed_on > closes:
        raise AppealError(
            _(
                "The time to appeal closed on %(date)s: an appeal is filed within %(days)s days of being "
                "told the result (238-FZ art. 4 p.6)."
            )
            % {"date": _fmt(closes), "days": settings.QAC_APPEAL_DAYS}
        )
    return closes


def appeal_file(
    *,
    application: Application,
    by,
    grounds,
    statement: str,
    files=(),
    received_on: datetime.date | None = None,
) -> Appeal:
    """File an appeal: the candidate on the site, or staff registering one received on paper.

    One live appeal per result (per refused application); refused after the
    deadline with the date it closed; nothing is written when anything is wrong.
    """
    actor = actor_of(by)
    if actor == CANDIDATE and application.candidate_id != by.pk:
        raise AppealError(_("Only the candidate appeals from their application."))
    statement = (statement or "").strip()
    if not statement:
        raise AppealError(_("Say what you disagree with and what you ask for."))
    if application.status not in selectors.APPEALABLE:
        raise AppealError(_("There is no decision to appeal on this application yet."))
    grounds = _clean_grounds(application, grounds)
    filed_on = received_on if actor == STAFF and received_on else timezone.localdate()
    checked = _check_files(files)
    with transaction.atomic():
        Application.objects.select_for_update().get(pk=application.pk)
        closes = _check_deadline(application, filed_on)
        result = selectors.appealed_result(application)
        existing = selectors.live_appeal(application=application, result=result)
        if existing is not None:
            raise AppealError(
                _("Appeal № %(pk)s of %(date)s against this decision is already being handled.")
                % {"pk": existing.pk, "date": _fmt(existing.filed_on)}
            )
        appeal = Appeal(
            application=application,
            result=result,
            grounds=grounds,
            statement=statement,
            channel=Channel.PAPER if actor == STAFF else Channel.ONLINE,
            filed_on=filed_on,
            deadline_on=closes,
            filed_by=by,
        )
        try:
            with transaction.atomic():
                appeal.save()
        except IntegrityError as exc:
            raise AppealError(_("An appeal against this decision is already being handled.")) from exc
        _store_files(appeal, checked)
        _history_opened(appeal, by=by, changes={"grounds": grounds, "filed_on": str(filed_on)})
    return appeal


# --- The commission ---------------------------------------------------------------------------------


def _check_day(day: datetime.date | None, *, after: datetime.date, what: str) -> datetime.date:
    if day is None:
        raise AppealError(_("Give the date."))
    if day > timezone.localdate():
        raise AppealError(_("The date cannot be in the future."))
    if day < after:
        raise AppealError(_("The date cannot be before %(what)s (%(date)s).") % {"what": what, "date": _fmt(after)})
    return day


def appeal_forward(
    *, appeal: Appeal, by, forwarded_on: datetime.date, reference: str = "", expected_version: int | None = None
) -> Appeal:
    """Staff record when the appeal went to the Council's appeals commission; its 60 days start (701n p.7)."""
    _check_day(forwarded_on, after=appeal.filed_on, what=_("the appeal was received"))
    return _move(
        appeal=appeal,
        to=S.FORWARDED,
        by=by,
        expected_version=expected_version,
        note=reference,
        forwarded_on=forwarded_on,
        forward_reference=(reference or "").strip()[:255],
        decision_due_on=forwarded_on + datetime.timedelta(days=settings.QAC_APPEAL_DECISION_DAYS),
    )


def appeal_decide(
    *,
    appeal: Appeal,
    by,
    satisfied: bool,
    number: str,
    decided_on: datetime.date,
    text: str,
    remedy: str = "",
    execute_by: datetime.date | None = None,
    expected_version: int | None = None,
) -> Appeal:
    """Record the commission's decision: its number and date, satisfied or rejected, and what must be done."""
    if appeal.forwarded_on is None:
        raise AppealError(_("Record when the appeal was forwarded to the appeals commission before its decision."))
    number, text = (number or "").strip(), (text or "").strip()
    if not number or len(number) > 64:
        raise AppealError(_("Give the number of the commission's decision (minutes)."))
    if not text:
        raise AppealError(_("Give the commission's decision as it is worded."))
    _check_day(decided_on, after=appeal.forwarded_on, what=_("the appeal was forwarded"))
    changes = {"decision_number": number, "decided_on": decided_on, "decision_text": text}
    if satisfied:
        if remedy not in Remedy.values:
            raise AppealError(_("Say what the decision requires of the center."))
        latest = decided_on + datetime.timedelta(days=settings.QAC_APPEAL_EXECUTION_MAX_DAYS)
        if execute_by is None or not decided_on <= execute_by <= latest:
            raise AppealError(
                _("The decision is executed by a date between %(start)s and %(end)s (Order 701n p.23).")
                % {"start": _fmt(decided_on), "end": _fmt(latest)}
            )
        changes.update(remedy=remedy, execute_by=execute_by)
    to = S.SATISFIED if satisfied else S.REJECTED
    return _move(appeal=appeal, to=to, by=by, expected_version=expected_version, note=text, **changes)


def appeal_withdraw(*, appeal: Appeal, by, reason: str = "", expected_version: int | None = None) -> Appeal:
    if actor_of(by) == CANDIDATE and appeal.application.candidate_id != by.pk:
        raise AppealError(_("Only the candidate withdraws their appeal."))
    return _move(appeal=appeal, to=S.WITHDRAWN, by=by, expected_version=expected_version, note=(reason or "").strip())


# --- Execution by the center ------------------------------------------------------------------------


def _reason(appeal: Appeal) -> str:
    return _("Appeal № %(pk)s, the appeals commission's decision № %(number)s of %(date)s: %(text)s") % {
        "pk": appeal.pk,
        "number": appeal.decision_number,
        "date": _fmt(appeal.decided_on),
        "text": appeal.decision_text,
    }


def _reexam(appeal: Appeal, by) -> dict:
    application = appeal.application
    other = (
        Application.objects.filter(
            candidate_id=application.candidate_id,
            qualification_id=application.qualification_id,
            status__in=OPEN_STATUSES,
        )
        .exclude(pk=application.pk)
        .first()
    )
    if other is not None:
        raise AppealError(
            _("The candidate has application %(number)s open for this qualification: the new exam is held under it.")
            % {"number": other.number or other.pk}
        )
    candidate_services.application_reopen_for_reexam(
        application=application, by=by, note=_("A new exam, free of charge. %(reason)s") % {"reason": _reason(appeal)}
    )
    exam_services.enrolments_supersede(application=application)
    return {}


def _correct(appeal: Appeal, by, result_changes: dict) -> dict:
    if appeal.result is None or not result_changes:
        raise AppealError(_("Say how the result is corrected."))
    try:
        exam_services.result_correct(result=appeal.result, by=by, reason=_reason(appeal), **result_changes)
    except exam_services.ExamError as exc:
        raise AppealError(str(exc)) from exc
    return {"correction": appeal.result.corrections.order_by("-pk").first()}


def _reissue(appeal: Appeal, by) -> dict:
    document = selectors.current_certificate(appeal)
    if document is None:
        raise AppealError(_("There is no issued certificate to reissue for this appeal."))
    try:
        request = certificate_services.duplicate_request_receive(
            original=document, by=by, grounds=DuplicateGrounds.ERRORS, statement=_reason(appeal)
        )
        certificate_services.duplicate_request_issue(request=request, by=by)
    except certificate_services.DocumentError as exc:
        raise AppealError(str(exc)) from exc
    return {}


def appeal_execute(
    *, appeal: Appeal, by, note: str = "", result_changes: dict | None = None, expected_version: int | None = None
) -> Appeal:
    """Carry out a satisfied appeal, all or nothing: the remedy through its own service, then the move."""
    note = (note or "").strip()
    return _move(
        appeal=appeal,
        to=S.EXECUTED,
        by=by,
        expected_version=expected_version,
        note=note,
        effect=lambda locked: _remedy(locked, by, note=note, result_changes=result_changes or {}),
        executed_on=timezone.localdate(),
        execution_note=note,
    )


def _remedy(appeal: Appeal, by, *, note: str, result_changes: dict) -> dict:
    """What the commission's decision requires, through the service that owns it; the appeal's fields it sets."""
    if appeal.remedy == Remedy.REEXAM:
        return _reexam(appeal, by)
    if appeal.remedy == Remedy.CORRECT:
        return _correct(appeal, by, result_changes)
    if appeal.remedy == Remedy.REISSUE:
        return _reissue(appeal, by)
    if not note:
        raise AppealError(_("Say how the decision was carried out."))
    return {}
