"""Reads of payers, contracts and payments; the one access funnel for contracts and their papers."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from candidates.models import Application, ApplicationStatus
from qac.accounts.roles import is_qac_staff
from standards.models import Fee

from .models import (
    BankDetails,
    Contract,
    ContractLine,
    ContractPaper,
    ContractStatus,
    PaperKind,
    Payer,
    RenderStatus,
)
from .rules import CONTRACT, CONTRACT_TRANSITIONS, CONTRACTABLE, PAYABLE, SETTLED

CS = ContractStatus


def fee_on(*, qualification_id: int, on: datetime.date) -> Fee | None:
    """The price list's entry in force on a date: the newest one not starting later."""
    return Fee.objects.filter(qualification_id=qualification_id, valid_from__lte=on).order_by("-valid_from").first()


def bank_details() -> BankDetails | None:
    return BankDetails.objects.order_by("pk").first()


def live_lines() -> QuerySet[ContractLine]:
    """Contract lines that still cover their application (the contract is not cancelled)."""
    return ContractLine.objects.exclude(contract__status=CS.CANCELLED)


def _with_details(qs: QuerySet[Contract]) -> QuerySet[Contract]:
    return qs.select_related("payer").prefetch_related(
        Prefetch(
            "lines",
            queryset=ContractLine.objects.select_related(
                "application__qualification", "application__identity", "application__candidate"
            ),
        ),
        "papers",
    )


def contract_get_for_staff(*, user, pk: int) -> Contract:
    if not is_qac_staff(user):
        raise Http404
    contract = _with_details(Contract.objects.filter(pk=pk)).first()
    if contract is None:
        raise Http404
    return contract


def contract_get_for_candidate(*, user, pk: int) -> Contract:
    """A contract the candidate pays for themself; 404 for any other (an employer's lists other people)."""
    if not user.is_authenticated:
        raise Http404
    contract = _with_details(Contract.objects.filter(pk=pk, payer__person_id=user.pk)).first()
    if contract is None:
        raise Http404
    return contract


def paper_downloadable(paper: ContractPaper) -> bool:
    """Whether ``paper`` may be downloaded by whoever may see its contract: it is rendered."""
    return paper.status == RenderStatus.RENDERED


def paper_get(*, contract: Contract, kind: str) -> ContractPaper:
    """The contract's rendered paper of this kind; 404 while it is not ready."""
    paper = next((p for p in contract.papers.all() if p.kind == kind and paper_downloadable(p)), None)
    if paper is None:
        raise Http404
    return paper


def contract_list(*, status: str = "") -> QuerySet[Contract]:
    qs = Contract.objects.select_related("payer").annotate(received=Sum("payments__amount")).order_by("-date", "-pk")
    if status in CS.values:
        qs = qs.filter(status=status)
    return qs


def contract_received(contract: Contract) -> Decimal:
    return contract.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def payers() -> QuerySet[Payer]:
    """Payers staff entered: organisations, and private persons paying for someone else (1204 p.5).

    A candidate paying for themself is not listed: «The candidate themself» on the contract makes that one.
    """
    return Payer.objects.filter(person__isnull=True).order_by("name", "pk")


def applications_without_contract() -> QuerySet[Application]:
    """Applications staff may make a contract for: submitted, not decided against, not yet under a live contract."""
    return (
        Application.objects.filter(status__in=CONTRACTABLE)
        .exclude(Exists(live_lines().filter(application=OuterRef("pk"))))
        .select_related("candidate", "qualification")
        .order_by("submitted_at", "pk")
    )


def applications_awaiting_payment() -> QuerySet[Application]:
    """Accepted applications that cannot be enrolled yet: no contract, or one neither paid nor guaranteed."""
    settled = live_lines().filter(application=OuterRef("pk"), contract__status__in=SETTLED)
    return (
        Application.objects.filter(status=ApplicationStatus.ACCEPTED)
        .exclude(Exists(settled))
        .select_related("candidate", "qualification")
        .order_by("decided_at", "pk")
    )


def payment_block_reason(*, application: Application) -> str | None:
    """Why an application may not be enrolled for want of payment, or None when it may."""
    line = live_lines().filter(application=application).select_related("contract").first()
    if line is None:
        return _("Application %(number)s has no contract with a payer yet.") % {"number": application}
    if line.contract.status in SETTLED:
        return None
    return _(
        "Application %(number)s waits for payment under contract № %(contract)s: record the payment or a guarantee."
    ) % {"number": application, "contract": line.contract.number}


def payer_to_inform(*, application_id: int) -> Payer | None:
    """Who gets a copy of the application's certificate or conclusion (1204 p.18), where the contract says so."""
    line = (
        live_lines()
        .filter(application_id=application_id, contract__inform_payer=True)
        .exclude(contract__payer__email="")
        .select_related("contract__payer")
        .first()
    )
    return line.contract.payer if line else None


def contracts_for_candidate(*, user) -> list[ContractLine]:
    """The lines of the candidate's own applications, whoever pays, for their «Payment» page."""
    return list(
        live_lines()
        .filter(application__candidate=user)
        .select_related("contract__payer", "application__qualification")
        .prefetch_related("contract__papers")
        .order_by("-contract__date", "-pk")
    )


def allowed_contract_actions(contract: Contract, user) -> set[str]:
    """The buttons a contract's page shows to this user: from the transitions table, plus payment and papers.

    ``download_<kind>`` for each paper ready: staff, and the candidate who pays for themself, download it.
    """
    ready = {p.kind for p in contract.papers.all() if paper_downloadable(p)}
    downloads = {f"download_{kind}" for kind in ready}
    if not is_qac_staff(user):
        # The rule of ``contract_get_for_candidate``: an employer's contract lists other people.
        return downloads if contract.payer.person_id == user.pk else set()
    actions = {CONTRACT_TRANSITIONS[(contract.status, to)] for to in CONTRACT.moves_from(contract.status)} - {"pay"}
    actions |= downloads
    if contract.status in PAYABLE:
        actions.add("payment")
    # Printed once; printed again while a draft (the center's details may have been corrected) or after a failure.
    if contract.status != CS.CANCELLED and (contract.status == CS.DRAFT or len(ready) < len(PaperKind.values)):
        actions.add("papers")
    if contract.status in PAYABLE and contract.payer.email and len(ready) == len(PaperKind.values):
        actions.add("email")
    return actions


def board_items(*, today: datetime.date) -> list[dict]:
    """What the staff board shows for contracts: drafts to send, invoices unpaid, enrolments blocked by payment.

    ``due`` is the oldest item's date (how long the oldest has waited): these have no legal deadline, so the
    counts do not depend on ``today``, which the board passes to every source alike.
    """
    base = reverse("contracts:list")
    drafts = Contract.objects.filter(status=CS.DRAFT)
    unpaid = Contract.objects.filter(status=CS.SENT)
    blocked = applications_awaiting_payment()
    oldest_blocked = blocked.order_by("decided_at").values_list("decided_at", flat=True).first()
    return [
        {
            "key": "contracts_to_send",
            "label": _("Contracts to send to the payer"),
            "count": drafts.count(),
            "due": drafts.order_by("date").values_list("date", flat=True).first(),
            "url": f"{base}?status={CS.DRAFT}",
        },
        {
            "key": "invoices_unpaid",
            "label": _("Invoices not paid"),
            "count": unpaid.count(),
            "due": unpaid.order_by("date").values_list("date", flat=True).first(),
            "url": f"{base}?status={CS.SENT}",
        },
        {
            "key": "enrolments_blocked_by_payment",
            "label": _("Accepted applications waiting for payment"),
            "count": blocked.count(),
            "due": oldest_blocked.date() if oldest_blocked else None,
            "url": f"{base}#awaiting-payment",
        },
    ]
