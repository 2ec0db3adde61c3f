"""Demo data for trying the system and for benchmarks.

Lives at the top of the project because it touches every app. Each step is
idempotent: running ``seed_demo`` again changes nothing that is already there.
"""

import os
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from qac.accounts.roles import Role, assign_role

DEFAULT_DEMO_PASSWORD = "qac-demo-2026"  # noqa: S105 (documented demo password)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: Role
    last_name: str
    first_name: str
    patronymic: str = ""


DEMO_ACCOUNTS = [
    DemoAccount("head@qac.local", Role.HEAD, "Соколова", "Марина", "Викторовна"),
    DemoAccount("staff@qac.local", Role.STAFF, "Петров", "Алексей", "Игоревич"),
    DemoAccount("expert1@qac.local", Role.EXPERT, "Кузнецов", "Дмитрий", "Сергеевич"),
    DemoAccount("expert2@qac.local", Role.EXPERT, "Орлова", "Елена", "Павловна"),
    DemoAccount("expert3@qac.local", Role.EXPERT, "Васильев", "Николай", "Андреевич"),
    DemoAccount("candidate1@qac.local", Role.CANDIDATE, "Иванов", "Иван", "Иванович"),
    DemoAccount("candidate2@qac.local", Role.CANDIDATE, "Смирнова", "Ольга", "Дмитриевна"),
    DemoAccount("candidate3@qac.local", Role.CANDIDATE, "Попов", "Сергей", "Николаевич"),
    DemoAccount("candidate4@qac.local", Role.CANDIDATE, "Лебедева", "Анна", ""),
    DemoAccount("candidate5@qac.local", Role.CANDIDATE, "Новиков", "Павел", "Олегович"),
]


class DemoDataRefused(Exception):
    """Raised where demo data must never be written (production)."""


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


@transaction.atomic
def seed_accounts(*, password: str) -> list[tuple[DemoAccount, bool]]:
    """Create the demo accounts that are missing; return each with whether it was created.

    Existing accounts keep their password: a tester who changed it is not reset.
    """
    User = get_user_model()
    results = []
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            email=account.email,
            defaults={
                "last_name": account.last_name,
                "first_name": account.first_name,
                "patronymic": account.patronymic,
                # Head and staff manage reference data in the Django admin.
                "is_staff": account.role in (Role.HEAD, Role.STAFF),
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        assign_role(user, account.role)
        results.append((account, created))
    return results


def seed(*, password: str | None = None) -> list[tuple[DemoAccount, bool]]:
    if not settings.QAC_DEMO_DATA_ALLOWED:
        raise DemoDataRefused("Demo data is never loaded under production settings.")
    return seed_accounts(password=password or demo_password())
