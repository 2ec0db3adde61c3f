"""The contract's state machine and the statuses the other rules hang on, read by services and selectors alike.

``services.contract_move`` is the only code that moves a contract along this table (through ``CONTRACT``).
"""

from django.utils.translation import gettext as _

from candidates.models import ApplicationStatus
from qac.statemachine import Machine

from .models import Contract, ContractTransition
from .models import ContractStatus as CS


class ContractError(Exception):
    """A request the rules do not allow; the message is shown to the user."""


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


def _refusal(contract: Contract, to: str) -> str:
    return _("Contract № %(number)s is «%(status)s»: it cannot become «%(to)s».") % {
        "number": contract.number,
        "status": contract.get_status_display(),
        "to": CS(to).label,
    }


# Any actor: the table names the action that makes each move, not who makes it; staff only, say the services.
CONTRACT = Machine(
    model=Contract,
    history=ContractTransition,
    table=CONTRACT_TRANSITIONS,
    error=ContractError,
    refusal=_refusal,
    versioned=False,
)
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
