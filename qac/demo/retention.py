"""Demo data of retention: a proposed destruction act the head can open, approve or reject.

Called by one line from ``seed_demo`` (qac/demo/seed.py). The act is real: it lists records that have
genuinely passed their period, so approving it in the demo destroys exactly them. Two demo
candidates, whose records are dated back, make it: one withdrew an application four years ago
(152-FZ art. 5 p.7: kept 3 years after it closed), the other withdrew consent (art. 21 p.5).
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from candidates import services as candidate_services
from candidates.models import Application, ApplicationTransition
from qac.accounts.roles import Role, assign_role
from qac.retention import services
from qac.retention.models import DestructionAct, WithdrawalVia
from standards.models import Qualification

FORMER = ("former1@qac.local", "Кузнецов", "Олег", "Павлович")
WITHDREW = ("former2@qac.local", "Лебедева", "Нина", "Игоревна")
DEMO_FILE = b"%PDF-1.4\n% QAC demo: an application's scan kept past its period\n%%EOF\n"


def _candidate(email, last, first, patronymic, *, password: str):
    user, created = get_user_model().objects.get_or_create(
        email=email, defaults={"last_name": last, "first_name": first, "patronymic": patronymic}
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    assign_role(user, Role.CANDIDATE)
    return user


def _old_withdrawn_application(user, *, years: int) -> Application:
    qualification = Qualification.objects.filter(is_active=True).order_by("code").first()
    application = candidate_services.application_create(candidate=user, qualification=qualification)
    candidate_services.application_attach_document(
        application=application,
        required_document=None,
        uploaded_file=SimpleUploadedFile("паспорт.pdf", DEMO_FILE, content_type="application/pdf"),
        by=user,
    )
    candidate_services.application_withdraw(application=application, by=user)
    # Dated back: demo data only, so the act below has something genuinely due.
    then = timezone.now() - datetime.timedelta(days=365 * years + 30)
    Application.objects.filter(pk=application.pk).update(created_at=then, decided_at=then)
    ApplicationTransition.objects.filter(application=application).update(at=then)
    get_user_model().objects.filter(pk=user.pk).update(date_joined=then)
    return application


@transaction.atomic
def seed_retention(*, password: str) -> DestructionAct | None:
    """One proposed act (idempotent: nothing is added once any act exists)."""
    if DestructionAct.objects.exists():
        return None
    former = _candidate(*FORMER, password=password)
    if not Application.objects.filter(candidate=former).exists():
        _old_withdrawn_application(former, years=4)
    withdrew = _candidate(*WITHDREW, password=password)
    if not withdrew.consent_withdrawals.exists():
        staff = get_user_model().objects.filter(email="staff@qac.local").first() or withdrew
        via = WithdrawalVia.STAFF if staff != withdrew else WithdrawalVia.PROFILE
        services.consent_withdraw(candidate=withdrew, by=staff, via=via, note="Заявление от 20.11.2026, вх. № 57")
    return services.act_propose(today=timezone.localdate(), trigger="demo")
