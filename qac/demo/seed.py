"""Demo data for trying the system and for benchmarks: what ``seed_demo`` runs, in order.

Lives at the top of the project because it touches every app. Each step is
idempotent: running ``seed_demo`` again changes nothing that is already there.
The steps live beside it: the people (``people``), their applications
(``applications``), payments (``contracts``), exam sessions (``exams``), the
issuing path (``council``), retention; the bulk data of ``--volume`` in
``volume`` and ``volume_exams``.
"""

from . import contracts as demo_contracts
from . import retention as demo_retention
from .applications import seed_applications
from .base import DemoDataRefused, demo_password, refuse_in_production, snils_with_checksum
from .council import seed_council
from .exams import seed_exams
from .people import DEMO_ACCOUNTS, DemoAccount, seed_accounts
from .volume import VOLUME_EMAIL_DOMAIN, seed_volume
from .volume_exams import seed_volume_exams

# The command, the tests and the benchmarks reach the demo through this module.
__all__ = [
    "DEMO_ACCOUNTS",
    "VOLUME_EMAIL_DOMAIN",
    "DemoAccount",
    "DemoDataRefused",
    "demo_password",
    "seed",
    "seed_accounts",
    "seed_applications",
    "seed_council",
    "seed_exams",
    "seed_volume",
    "seed_volume_exams",
    "snils_with_checksum",
]


def seed(*, password: str | None = None) -> list[tuple[DemoAccount, bool]]:
    refuse_in_production()
    accounts = seed_accounts(password=password or demo_password())
    seed_applications()
    demo_contracts.seed_contracts()
    seed_exams()
    seed_council()
    demo_retention.seed_retention(password=password or demo_password())  # a proposed destruction act
    return accounts
