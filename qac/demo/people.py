"""The demo's people: the accounts of each role, the demo candidates' profiles, and the archive
candidates who sit the demo's exams."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from candidates.models import CandidateProfile, EducationRecord, WorkExperience
from qac.accounts.models import RoleChange
from qac.accounts.roles import Role, assign_role
from qac.accounts.services import role_grant
from standards.models import AssessmentCenter

from .base import demo_password, snils_with_checksum


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
        # seed_demo is an operator's command, and it makes a head: recorded like set_role.
        role_grant(user=user, role=account.role, by=None, source=RoleChange.Source.COMMAND)
        results.append((account, created))
    # The demo head signs the demo certificates.

    AssessmentCenter.objects.filter(head_name="").update(head_name="М. В. Соколова")
    return results


# --- The demo candidates' profiles -----------------------------------------------------------------

DEMO_PROFILES = {
    "candidate1@qac.local": ("1988-03-14", "passport_ru", "4012", "345678", "+7 921 100-00-01"),
    "candidate2@qac.local": ("1995-07-02", "passport_ru", "4015", "112233", "+7 921 100-00-02"),
    "candidate3@qac.local": ("1979-11-23", "passport_ru", "4009", "765432", "+7 921 100-00-03"),
    "candidate4@qac.local": ("2001-01-30", "passport_ru", "4021", "908070", "+7 921 100-00-04"),
    "candidate5@qac.local": ("1990-05-17", "passport_ru", "4018", "554433", "+7 921 100-00-05"),
}


def seed_profile(user, *, index: int) -> CandidateProfile:
    """The profile of demo candidate number ``index`` (``DEMO_PROFILES``), with a diploma and a job
    when it is new."""
    born, doc_type, series, number, phone = DEMO_PROFILES[user.email]
    profile, made = CandidateProfile.objects.get_or_create(
        user=user,
        defaults={
            "date_of_birth": datetime.date.fromisoformat(born),
            "snils": snils_with_checksum(123456000 + index * 1111),
            "id_doc_type": doc_type,
            "id_doc_series": series,
            "id_doc_number": number,
            "id_doc_issued_by": "ГУ МВД России по г. Санкт-Петербургу и Ленинградской области",
            "id_doc_issued_on": datetime.date(2015, 6, 10),
            "phone": phone,
            "address": f"г. Санкт-Петербург, ул. Заводская, д. {index}, кв. {index * 7}",
        },
    )
    if made:
        EducationRecord.objects.create(
            profile=profile,
            level="secondary_vocational",
            institution="Санкт-Петербургский автотранспортный колледж",
            specialty="Техническое обслуживание и ремонт автомобильного транспорта",
            completed_on=datetime.date(2010 + index, 6, 30),
        )
        WorkExperience.objects.create(
            profile=profile,
            employer="ООО «Автосервис Северо-Запад»",
            position="Автомеханик",
            started_on=datetime.date(2012 + index, 9, 1),
        )
    return profile


# --- The archive candidates, who sit the demo's exams ---------------------------------------------

ARCHIVE_CANDIDATES = [
    ("archive1@qac.local", "Морозов", "Артём", "Витальевич"),
    ("archive2@qac.local", "Волкова", "Дарья", "Сергеевна"),
    ("archive3@qac.local", "Зайцев", "Кирилл", "Андреевич"),
    ("archive4@qac.local", "Павлова", "Ирина", "Олеговна"),
    ("archive5@qac.local", "Семёнов", "Глеб", "Ильич"),
    ("archive6@qac.local", "Голубев", "Роман", "Петрович"),
    ("archive7@qac.local", "Виноградова", "Алина", "Романовна"),
]


def archive_candidate(email, last, first, patronymic, index):
    """A candidate account with a profile (number ``index``), made once."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        email=email, defaults={"last_name": last, "first_name": first, "patronymic": patronymic}
    )
    if created:
        user.set_password(demo_password())
        user.save(update_fields=["password"])
    assign_role(user, Role.CANDIDATE)
    CandidateProfile.objects.get_or_create(
        user=user,
        defaults={
            "date_of_birth": datetime.date(1985 + index, 3, 1 + index),
            "snils": snils_with_checksum(555000000 + index * 777),
            "id_doc_type": "passport_ru",
            "id_doc_series": f"{4100 + index}",
            "id_doc_number": f"{700000 + index}",
            "id_doc_issued_by": "ГУ МВД России",
            "id_doc_issued_on": datetime.date(2016, 5, 5),
            "phone": f"+7 921 200-00-0{index}",
            "address": "г. Санкт-Петербург",
        },
    )
    return user
