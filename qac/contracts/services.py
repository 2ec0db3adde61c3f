"""Every write of payers, contracts, payments and contract papers.

A contract's life is one state machine (``rules.CONTRACT``) moved only by
``contract_move``, which writes its history row in the same transaction. A payment
moves the contract to «paid» when the sum received reaches the contract's amount;
less is recorded as a partial payment (the money did arrive), more is refused.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Application
from qac.accounts.roles import is_qac_staff
from qac.enqueue import enqueue
from qac.statemachine import move

from . import selectors, statement
from .models import (
    BankStatement,
    Contract,
    ContractLine,
    ContractPaper,
    ContractStatus,
    ContractTransition,
    PaperKind,
    Payer,
    PayerKind,
    PayerNotice,
    Payment,
    RenderStatus,
)
from .rules import CONTRACT, CONTRACTABLE, PAYABLE, ContractError

CS = ContractStatus


def _require_staff(by) -> None:
    if not is_qac_staff(by):
        raise ContractError(_("Only the center's staff manage contracts and payments."))


# --- Payers -----------------------------------------------------------------------------------------


def payer_create(*, by, **fields) -> Payer:
    """A new payer after the same checks as the form (INN check digits, KPP, kind)."""
    _require_staff(by)
    payer = Payer(**fields)
    try:
        payer.full_clean()
    except ValidationError as exc:
        raise ContractError(" ".join(m for msgs in exc.message_dict.values() for m in msgs)) from None
    payer.save()
    return payer


def payer_for_candidate(*, candidate) -> Payer:
    """The candidate as the payer of their own exam: one row per person, filled from their profile."""
    profile = getattr(candidate, "candidate_profile", None)
    payer, _created = Payer.objects.get_or_create(
        person=candidate,
        defaults={
            "kind": PayerKind.PERSON,
            "name": candidate.get_full_name(),
            "address": getattr(profile, "address", "") or "—",
            "email": candidate.email,
            "phone": getattr(profile, "phone", ""),
        },
    )
    return payer


# --- Contracts -----------------------------------------------------------------------------------------


def contract_move(*, contract: Contract, to: str, by, note: str = "", **changes) -> Contract:
    """The one way a contract's status changes: checked against the table, history written, row locked."""
    return move(CONTRACT, contract, to, by=by, note=note, changes=changes)[0]


def _price(application: Application, on: datetime.date):
    fee = selectors.fee_on(qualification_id=application.qualification_id, on=on)
    if fee is None:
        raise ContractError(
            _("There is no price for %(code)s on %(date)s: the head enters it in the price list first.")
            % {"code": application.qualification.code, "date": on.strftime("%d.%m.%Y")}
        )
    return fee


def _check_applications(applications: list[Application], payer: Payer) -> None:
    for application in applications:
        if application.status not in CONTRACTABLE:
            raise ContractError(
                _("Application %(number)s is «%(status)s»: no contract is made for it.")
                % {"number": application, "status": application.get_status_display()}
            )
        if payer.person_id and application.candidate_id != payer.person_id:
            raise ContractError(_("A candidate pays only for their own applications."))
    taken = selectors.live_lines().filter(application__in=applications).select_related("contract", "application")
    for line in taken:
        raise ContractError(
            _("Application %(number)s is already under contract № %(contract)s.")
            % {"number": line.application, "contract": line.contract.number}
        )


def contract_create(
    *, by, applications: list[Application], date: datetime.date, payer: Payer | None = None, inform_payer=False
) -> Contract:
    """One contract with one payer for one or more applications, each at the price in force on ``date``.

    Without a payer the candidate pays for themself (all the applications must then be theirs).
    """
    _require_staff(by)
    if not applications:
        raise ContractError(_("Choose at least one application."))
    if date > timezone.localdate():
        raise ContractError(_("A contract cannot be dated in the future."))
    with transaction.atomic():
        ids = sorted(a.pk for a in applications)
        locked = list(
            Application.objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("qualification")
        )
        if payer is None:
            if len({a.candidate_id for a in locked}) != 1:
                raise ContractError(_("Applications of several candidates need an organisation as the payer."))
            payer = payer_for_candidate(candidate=locked[0].candidate)
        if inform_payer and payer.person_id:
            inform_payer = False  # the candidate receives their own document anyway
        if inform_payer and not payer.email:
            raise ContractError(_("The payer has no e-mail to send the copy of the document to."))
        _check_applications(locked, payer)
        prices = {a.pk: _price(a, date) for a in locked}
        contract = Contract.objects.create(
            date=date,
            payer=payer,
            amount=sum((f.amount for f in prices.values()), Decimal("0")),
            inform_payer=inform_payer,
            created_by=by,
        )
        # «2026/00012»: unlike an application's number (2026-000012), so neither is taken for the other.
        contract.number = f"{date.year}/{contract.pk:05d}"
        contract.save(update_fields=["number"])
        ContractLine.objects.bulk_create(
            ContractLine(contract=contract, application=a, fee=prices[a.pk], price=prices[a.pk].amount) for a in locked
        )
        ContractTransition.objects.create(contract=contract, to_status=CS.DRAFT, by=by)
    return contract


def contract_send(*, contract: Contract, by) -> Contract:
    _require_staff(by)
    return contract_move(contract=contract, to=CS.SENT, by=by)


def contract_guarantee(*, contract: Contract, by, note: str) -> Contract:
    """Enrolment without payment: the payer guarantees it (a letter from an employer, say)."""
    _require_staff(by)
    note = (note or "").strip()
    if not note:
        raise ContractError(_("Say what guarantees the payment (e.g. the employer's letter, its number and date)."))
    return contract_move(contract=contract, to=CS.GUARANTEED, by=by, note=note, guarantee=note[:255])


def contract_cancel(*, contract: Contract, by, reason: str) -> Contract:
    _require_staff(by)
    reason = (reason or "").strip()
    if not reason:
        raise ContractError(_("Say why the contract is cancelled."))
    if contract.payments.exists():
        raise ContractError(_("Money was received under this contract: return it before cancelling."))
    return contract_move(contract=contract, to=CS.CANCELLED, by=by, note=reason)


def contract_close(*, contract: Contract, by) -> Contract:
    _require_staff(by)
    return contract_move(contract=contract, to=CS.CLOSED, by=by)


# --- Payments ------------------------------------------------------------------------------------------


def payment_record(
    *, contract: Contract, by, paid_on: datetime.date, amount: Decimal, document_number: str, statement=None
) -> Payment:
    """Record money received. Less than what is due is a partial payment; more is refused, naming what is due."""
    _require_staff(by)
    document_number = (document_number or "").strip()
    if not document_number:
        raise ContractError(_("Give the number of the payment document."))
    if paid_on > timezone.localdate():
        raise ContractError(_("A payment cannot be dated in the future."))
    if amount is None or amount <= 0:
        raise ContractError(_("The amount must be more than zero."))
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked.status not in PAYABLE:
            raise ContractError(
                _("Contract № %(number)s is «%(status)s»: nothing is due under it.")
                % {"number": locked.number, "status": locked.get_status_display()}
            )
        if locked.payments.filter(document_number=document_number, paid_on=paid_on).exists():
            raise ContractError(
                _("Payment document № %(doc)s of %(date)s is already recorded.")
                % {"doc": document_number, "date": paid_on.strftime("%d.%m.%Y")}
            )
        received = locked.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")
        due = locked.amount - received
        if amount > due:
            raise ContractError(
                _("%(amount)s ₽ is more than is due under contract № %(number)s: %(due)s ₽ of %(total)s ₽.")
                % {"amount": amount, "number": locked.number, "due": due, "total": locked.amount}
            )
        payment = Payment.objects.create(
            contract=locked,
            paid_on=paid_on,
            amount=amount,
            document_number=document_number,
            statement=statement,
            recorded_by=by,
        )
        if amount == due:
            note = _("Payment document № %(doc)s of %(date)s") % {"doc": document_number, "date": f"{paid_on:%d.%m.%Y}"}
            contract_move(contract=locked, to=CS.PAID, by=by, note=note)
    return payment


@dataclass
class StatementResult:
    errors: list[str] = field(default_factory=list)
    recorded: list[Payment] = field(default_factory=list)
    already_recorded: int = 0
    not_ours: int = 0
    statement: BankStatement | None = None
    imported_before: BankStatement | None = None


def _mentions(purpose: str, number: str) -> bool:
    return re.search(rf"(?<![\d\w-]){re.escape(number)}(?![\d\w])", purpose) is not None


def _match(row: statement.StatementRow) -> Contract:
    payers = list(Payer.objects.filter(inn=row.payer_inn))
    if not payers:
        raise ContractError(
            _("the payer with INN %(inn)s (%(name)s) is not known; add the payer first.")
            % {"inn": row.payer_inn, "name": row.payer_name or "—"}
        )
    contracts = Contract.objects.filter(payer__in=payers).exclude(status=CS.CANCELLED)
    candidates = [c for c in contracts if _mentions(row.purpose, c.number)]
    if len(candidates) != 1:
        raise ContractError(
            _("the purpose of payment names no single contract or invoice of this payer: «%(text)s».")
            % {"text": row.purpose[:120]}
        )
    return candidates[0]


def _import_row(row: statement.StatementRow, *, by, bank, record: BankStatement, result: StatementResult) -> None:
    if bank and bank.inn and row.recipient_inn and row.recipient_inn != bank.inn:
        result.not_ours += 1  # the center's own outgoing payment: nothing to match
        return
    try:
        contract = _match(row)
        if contract.payments.filter(document_number=row.number, paid_on=row.date).exists():
            result.already_recorded += 1  # the same order in an overlapping statement
            return
        result.recorded.append(
            payment_record(
                contract=contract,
                by=by,
                paid_on=row.date,
                amount=row.amount,
                document_number=row.number,
                statement=record,
            )
        )
    except ContractError as exc:
        result.errors.append(_("Line %(line)s: %(error)s") % {"line": row.line, "error": exc})


def statement_import(*, content: bytes, file_name: str, by) -> StatementResult:
    """Import a 1C bank statement: every payment order matched and recorded, or nothing at all.

    The same file a second time changes nothing (its hash is kept); an order already recorded
    (an overlapping statement) is counted, not recorded twice.
    """
    _require_staff(by)
    digest = hashlib.sha256(content).hexdigest()
    before = BankStatement.objects.filter(sha256=digest).first()
    if before:
        return StatementResult(imported_before=before)
    text = statement.decode(content)
    if text is None:
        return StatementResult(errors=[_("The file is not text in the windows-1251 encoding 1C writes.")])
    parsed = statement.parse(text)
    if parsed.errors:
        return StatementResult(errors=parsed.errors)
    result = StatementResult()
    with transaction.atomic():
        record = BankStatement.objects.create(sha256=digest, file_name=file_name[:255], imported_by=by)
        bank = selectors.bank_details()
        for row in parsed.rows:
            _import_row(row, by=by, bank=bank, record=record, result=result)
        if result.errors:
            transaction.set_rollback(True)
            result.recorded = []
            return result
        record.payments_recorded = len(result.recorded)
        record.save(update_fields=["payments_recorded"])
        result.statement = record
    return result


# --- Papers: the contract and the invoice as PDFs, rendered by a worker -----------------------------------


def papers_request(*, contract: Contract, by) -> None:
    """(Re)make the contract's and the invoice's PDFs in a worker, from the contract as it is now."""
    _require_staff(by)
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        if contract.status == CS.CANCELLED:
            raise ContractError(_("A cancelled contract is not printed."))
        for kind in PaperKind.values:
            ContractPaper.objects.update_or_create(
                contract=contract, kind=kind, defaults={"status": RenderStatus.PENDING, "error": ""}
            )
        pk = contract.pk
        enqueue("qac.contracts.tasks.render_contract_papers_task", pk)


def papers_email(*, contract: Contract, by) -> Contract:
    """E-mail the contract and the invoice to the payer (an organisation has no account here); a draft is then sent."""
    _require_staff(by)
    ready = {p.kind for p in contract.papers.all() if p.status == RenderStatus.RENDERED}
    if ready != set(PaperKind.values):
        raise ContractError(_("Prepare the contract and the invoice first."))
    if not contract.payer.email:
        raise ContractError(_("The payer has no e-mail: hand or post the papers and mark the contract as sent."))
    if contract.status not in PAYABLE:
        raise ContractError(
            _("Contract № %(number)s is «%(status)s»: nothing is sent.")
            % {"number": contract.number, "status": contract.get_status_display()}
        )
    with transaction.atomic():
        if contract.status == CS.DRAFT:
            note = _("E-mailed to %(email)s") % {"email": contract.payer.email}
            contract = contract_move(contract=contract, to=CS.SENT, by=by, note=note)
        pk = contract.pk
        enqueue("qac.contracts.tasks.email_contract_papers_task", pk)
    return contract


def render_claim(*, contract_id: int) -> list[ContractPaper]:
    """The contract's papers still waiting, with one more attempt counted."""
    todo = list(ContractPaper.objects.filter(contract_id=contract_id, status=RenderStatus.PENDING).order_by("kind"))
    if todo:
        ContractPaper.objects.filter(pk__in=[p.pk for p in todo]).update(attempts=F("attempts") + 1)
    return todo


def render_fail(*, paper: ContractPaper, error: Exception) -> None:
    ContractPaper.objects.filter(pk=paper.pk, status=RenderStatus.PENDING).update(
        status=RenderStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
    )


def paper_file_name(paper: ContractPaper) -> str:
    return f"{paper.kind}-{paper.contract.number.replace('/', '-')}.pdf"


def render_store(*, paper: ContractPaper, pdf: bytes) -> None:
    """pending -> rendered with the PDF stored; a second delivery finds it rendered and stops."""
    with transaction.atomic():
        locked = ContractPaper.objects.select_for_update(of=("self",)).select_related("contract").get(pk=paper.pk)
        if locked.status != RenderStatus.PENDING:
            return
        old = locked.file.name if locked.file else None
        locked.file.save(paper_file_name(locked), ContentFile(pdf), save=False)
        locked.sha256 = hashlib.sha256(pdf).hexdigest()
        locked.status, locked.error, locked.rendered_at = RenderStatus.RENDERED, "", timezone.now()
        locked.save(update_fields=["file", "sha256", "status", "error", "rendered_at"])
    if old and old != locked.file.name:
        locked.file.storage.delete(old)


# --- The payer told of the result (Decree 1204 p.18) ------------------------------------------------------


def payer_notice_claim(*, document_id: int, payer: Payer) -> bool:
    """Claim the copy of a document for its payer (True once), so a redelivered task never mails twice."""
    _notice, created = PayerNotice.objects.get_or_create(document_id=document_id, defaults={"payer": payer})
    return created


def payer_notice_release(*, document_id: int) -> None:
    PayerNotice.objects.filter(document_id=document_id).delete()
