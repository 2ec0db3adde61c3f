"""Every write of the retention app. The act's state machine has one table and one door.

Act: proposed -> approved -> executed, or proposed -> rejected. The nightly job proposes, the head
approves or rejects, a worker carries out an approved act: it re-checks each record's period on
the day it runs (the clock may have moved since), destroys what is due, refuses the rest, then
renders the act as a PDF. Nothing is destroyed without an approved act.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from itertools import islice

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates import services as candidate_services
from candidates.models import Application
from qac.accounts.roles import Role, has_role, is_qac_staff
from qac.enqueue import enqueue
from qac.statemachine import Machine, move

from . import selectors
from .destroy import DESTROY, anonymise_account
from .labels import LABELS
from .models import (
    ActItem,
    ActStatus,
    ActTransition,
    ConsentWithdrawal,
    DestructionAct,
    ItemOutcome,
    RecordKind,
    WithdrawalVia,
)
from .pdf import act_pdf

A = ActStatus
SYSTEM, HEAD = "system", "head"

# (from, to) -> who may make the move. "" is "no act yet".
TRANSITIONS: dict[tuple[str, str], str] = {
    ("", A.PROPOSED): SYSTEM,
    (A.PROPOSED, A.APPROVED): HEAD,
    (A.PROPOSED, A.REJECTED): HEAD,
    (A.APPROVED, A.EXECUTED): SYSTEM,
}
# Consent withdrawals last: the person's applications in the same act go first.
EXECUTION_ORDER = [k for k in RecordKind.values if k != RecordKind.CONSENT_WITHDRAWAL] + [RecordKind.CONSENT_WITHDRAWAL]
# Withdrawals of consent first when an act is listed: they have a 30-day term; the rest can wait a night.
PROPOSAL_ORDER = [RecordKind.CONSENT_WITHDRAWAL] + [k for k in RecordKind.values if k != RecordKind.CONSENT_WITHDRAWAL]


PROPOSE_LOCK = "qac.retention.propose"


class RetentionError(Exception):
    """A request the rules do not allow; the message is shown to the user as it is."""


class StillWithinPeriod(RetentionError):
    pass


def _refusal(act: DestructionAct, to: str) -> str:
    if to == A.APPROVED and act.status in (A.APPROVED, A.EXECUTED):
        who = act.decided_by.get_full_name() if act.decided_by else "—"
        return _("Act %(number)s is already approved (%(who)s, %(at)s); it cannot be approved again.") % {
            "number": act.number,
            "who": who,
            "at": timezone.localtime(act.decided_at).strftime("%d.%m.%Y %H:%M"),
        }
    return _("An act that is «%(status)s» cannot become «%(to)s».") % {
        "status": act.get_status_display(),
        "to": ActStatus(to).label,
    }


ACT = Machine(
    model=DestructionAct,
    history=ActTransition,
    table=TRANSITIONS,
    error=RetentionError,
    refusal=_refusal,
    lock_related=("decided_by",),
)


def _act_move(*, act: DestructionAct, to: str, by=None, actor: str, note: str = "", **changes) -> DestructionAct:
    """The one door for an act's status: checks the table, writes the row and its history in one transaction."""
    return move(ACT, act, to, by=by, actor=actor, note=note, changes=changes)[0]


# --- Proposing ------------------------------------------------------------------------------


def act_propose(*, today: datetime.date, trigger: str = "nightly", by=None) -> DestructionAct | None:
    """List every record past its period (and every withdrawal of consent) in a new act; None if nothing is due.

    One listing at a time (the nightly job and the head's button): two at once would list a record twice.
    """
    if not cache.add(PROPOSE_LOCK, "1", timeout=3600):
        raise RetentionError(_("The records are being listed right now; try again in a minute."))
    try:
        return _propose(today=today, trigger=trigger, by=by)
    finally:
        cache.delete(PROPOSE_LOCK)


def _propose(*, today: datetime.date, trigger: str, by) -> DestructionAct | None:
    with transaction.atomic():
        act = DestructionAct.objects.create(number=f"tmp-{uuid.uuid4().hex[:12]}", proposed_on=today, trigger=trigger)
        room = settings.QAC_RETENTION_ACT_MAX_ITEMS
        for kind in PROPOSAL_ORDER:
            # At most room records an act: the head can read it and its PDF stays printable; the rest
            # is listed the next night.
            rows = islice(LABELS[kind](selectors.DUE[kind](today=today)), max(room, 0))
            room -= len(
                ActItem.objects.bulk_create(
                    (
                        ActItem(act=act, kind=kind, object_id=pk, label=label[:300], kept_until=until)
                        for pk, label, until in rows
                    ),
                    batch_size=1000,
                )
            )
        if not act.items.exists():
            transaction.set_rollback(True)
            return None
        act.number = f"{today:%Y}-{act.pk:05d}"
        act.save(update_fields=["number"])
        ActTransition.objects.create(act=act, from_status="", to_status=A.PROPOSED, by=by, note=trigger)
    return act


# --- Deciding -------------------------------------------------------------------------------


def _require_head(by) -> None:
    if not has_role(by, Role.HEAD):
        raise RetentionError(_("Only the head of the center approves or rejects a destruction act."))


def act_approve(*, act: DestructionAct, by, note: str = "") -> DestructionAct:
    _require_head(by)
    act = _act_move(
        act=act, to=A.APPROVED, by=by, actor=HEAD, note=note.strip(), decided_by=by, decided_at=timezone.now()
    )
    enqueue("qac.retention.tasks.act_execute_task", act.pk)
    return act


def act_reject(*, act: DestructionAct, by, note: str) -> DestructionAct:
    _require_head(by)
    if not note.strip():
        raise RetentionError(_("Say why the act is rejected."))
    return _act_move(
        act=act,
        to=A.REJECTED,
        by=by,
        actor=HEAD,
        note=note.strip(),
        decided_by=by,
        decided_at=timezone.now(),
        decision_note=note.strip(),
    )


# --- Carrying out ---------------------------------------------------------------------------


def _destroy_consent(item: ActItem) -> dict:
    """The account, and every application of the person closed without an exam that this act did not
    list (an act has a size limit): each recorded in the act as destroyed, so none is proposed again."""
    withdrawal = ConsentWithdrawal.objects.select_related("candidate").get(pk=item.object_id)
    unexamined = selectors.due_applications_unexamined(today=timezone.localdate(), ignore_acts=True).filter(
        candidate=withdrawal.candidate
    )
    for pk, label, _until in LABELS[RecordKind.APPLICATION_UNEXAMINED](unexamined):
        ActItem.objects.update_or_create(
            act=item.act,
            kind=RecordKind.APPLICATION_UNEXAMINED,
            object_id=pk,
            defaults={
                "label": label[:300],
                "outcome": ItemOutcome.DESTROYED,
                "done_at": timezone.now(),
                "detail": DESTROY[RecordKind.APPLICATION_UNEXAMINED](pk),
            },
        )
    detail = anonymise_account(withdrawal.candidate)
    ConsentWithdrawal.objects.filter(pk=item.object_id).update(completed_at=timezone.now())
    return detail


def record_destroy(*, item: ActItem, today: datetime.date) -> ActItem:
    """Destroy one record of an approved act, if its period is over today; otherwise refuse it.

    Raises ``RetentionError`` for an act not approved and ``StillWithinPeriod`` for a record not due;
    a record already destroyed is left as it is (a second run of the task).
    """
    with transaction.atomic():
        item = ActItem.objects.select_for_update(of=("self",)).select_related("act").get(pk=item.pk)
        if item.act.status != A.APPROVED:
            raise RetentionError(_("Nothing is destroyed without an approved act."))
        if item.outcome != ItemOutcome.PENDING:
            return item
        if not selectors.is_due(kind=item.kind, object_id=item.object_id, today=today):
            raise StillWithinPeriod(
                _("%(what)s is still within its retention period on %(today)s; it is not destroyed.")
                % {"what": item.label, "today": today.strftime("%d.%m.%Y")}
            )
        if item.kind == RecordKind.CONSENT_WITHDRAWAL:
            item.detail = _destroy_consent(item)
        else:
            item.detail = DESTROY[item.kind](item.object_id)
        item.outcome = ItemOutcome.DESTROYED
        item.done_at = timezone.now()
        item.save(update_fields=["detail", "outcome", "done_at"])
    return item


def _refuse(item: ActItem, message: str) -> None:
    ActItem.objects.filter(pk=item.pk, outcome=ItemOutcome.PENDING).update(
        outcome=ItemOutcome.REFUSED, done_at=timezone.now(), detail={"reason": message}
    )


def act_execute(*, act_id: int, today: datetime.date | None = None) -> DestructionAct | None:
    """The worker's part: destroy what is due, refuse the rest, render the PDF, mark the act executed.

    Safe to run twice: an act not approved is left alone, items already done are skipped.
    """
    act = DestructionAct.objects.filter(pk=act_id).first()
    if act is None or act.status != A.APPROVED:
        return act
    today = today or timezone.localdate()
    for kind in EXECUTION_ORDER:
        for item in act.items.filter(kind=kind, outcome=ItemOutcome.PENDING).order_by("pk").iterator():
            try:
                record_destroy(item=item, today=today)
            except StillWithinPeriod as exc:
                _refuse(item, str(exc))
    act_store_pdf(act=act)
    return _act_move(act=act, to=A.EXECUTED, actor=SYSTEM, executed_at=timezone.now(), error="")


def act_store_pdf(*, act: DestructionAct) -> DestructionAct:
    act.refresh_from_db()
    pdf = act_pdf(act)
    old = act.pdf.name if act.pdf else None
    act.pdf.save(f"act-{act.number}.pdf", ContentFile(pdf), save=False)
    DestructionAct.objects.filter(pk=act.pk).update(pdf=act.pdf.name, pdf_sha256=hashlib.sha256(pdf).hexdigest())
    if old and old != act.pdf.name:
        act.pdf.storage.delete(old)
    return act


def act_fail(*, act_id: int, error: str) -> None:
    DestructionAct.objects.filter(pk=act_id).update(error=error[:2000])


# --- Withdrawal of consent ------------------------------------------------------------------


def consent_withdraw(*, candidate, by, via: str = WithdrawalVia.PROFILE, note: str = "") -> ConsentWithdrawal:
    """Register a withdrawal of consent (152-FZ art. 9 p.2): open applications are withdrawn,
    the rest goes into the next act within the legal term; the candidate is told what is kept and why."""
    if via == WithdrawalVia.PROFILE and by.pk != candidate.pk:
        raise RetentionError(_("Only the candidate withdraws their consent from their profile."))
    if via == WithdrawalVia.STAFF and not is_qac_staff(by):
        raise RetentionError(_("Only the center's staff register a withdrawal received on paper."))
    if not selectors.is_candidate(candidate):
        raise RetentionError(_("Consent is withdrawn for a candidate's account only."))
    with transaction.atomic():
        if selectors.withdrawal_open_for(candidate) is not None:
            raise RetentionError(_("A withdrawal of consent is already registered and waits to be carried out."))
        for application in Application.objects.filter(candidate=candidate, status__in=selectors.WITHDRAWABLE):
            candidate_services.application_withdraw(
                application=application, by=candidate, note=_("Consent to personal-data processing withdrawn.")
            )
        now = timezone.now()
        withdrawal = ConsentWithdrawal.objects.create(
            candidate=candidate,
            received_at=now,
            due_on=timezone.localdate(now) + datetime.timedelta(days=settings.QAC_CONSENT_WITHDRAWAL_DAYS),
            via=via,
            registered_by=by,
            note=note.strip(),
            kept=selectors.what_is_kept(candidate=candidate, today=timezone.localdate(now)),
        )
    return withdrawal
