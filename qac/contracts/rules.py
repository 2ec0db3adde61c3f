"""The contract's state machine and the statuses the other rules hang on, read by services and selectors alike.

``services.contract_move`` is the only code that moves a contract along this table.
"""

from candidates.models import ApplicationStatus

from .models import ContractStatus as CS

# (from, to): the action that makes the move. «pay» is made only by a payment, never by a button.
CONTRACT_TRANSITIONS: dict[tuple[str, str], str] = {
    (CS.DRAFT, CS.SENT): "send",
    (CS.DRAFT, CS.GUARANTEED): "guarantee",
    (CS.SENT, CS.GUARANTEED): "guarantee",
    (CS.DRAFT, CS.PAID): "pay",
    (CS.SENT, CS.PAID): "pay",
    (CS.GUARANTEED, CS.PAID): "pay",
    (CS.PAID, CS.CLOSED): "close",
    (CS.DRAFT, CS.CANCELLED): "cancel",
    (CS.SENT, CS.CANCELLED): "cancel",
    (CS.GUARANTEED, CS.CANCELLED): "cancel",
}
# Applications a contract may be made for: submitted and not yet decided against.
CONTRACTABLE = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.DOCUMENTS_REQUESTED,
    ApplicationStatus.RESUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.SCHEDULED,
)
# A payment is still due.
PAYABLE = (CS.DRAFT, CS.SENT, CS.GUARANTEED)
# The candidate may be enrolled.
SETTLED = (CS.PAID, CS.GUARANTEED, CS.CLOSED)
