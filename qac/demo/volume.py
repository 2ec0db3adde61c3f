"""Bulk candidates for benchmarks: ``seed_demo --volume N`` (issue 14: 100,000 in under a minute).

The data follows the rules the services apply (valid SNILS, an identity snapshot and a history
row per application); it is written by ``qac.demo.bulk``, one ``COPY`` per table on PostgreSQL.
Their exams, the Council's decisions and documents are ``qac.demo.volume_exams``.
"""

import datetime
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from candidates.models import (
    IDENTITY_PROFILE_FIELDS,
    ApplicantIdentity,
    Application,
    ApplicationTransition,
    CandidateProfile,
)
from qac.accounts.roles import Role
from standards.models import Qualification

from .base import refuse_in_production, snils_with_checksum
from .bulk import allocate_ids, insert, write
from .volume_names import NAMES, PATRONYMICS, SURNAMES

VOLUME_EMAIL_DOMAIN = "volume.qac.local"
STATUSES = ["submitted"] * 5 + ["resubmitted", "documents_requested", "accepted", "accepted", "rejected"]


def seed_volume(count: int, *, password: str, batch_size: int = 20000) -> int:
    """Make sure ``count`` bulk candidates with one application each exist (for benchmarks).

    One password hash for all and no files. Returns how many were created.
    """
    refuse_in_production()
    User = get_user_model()
    existing = User.objects.filter(email__endswith=f"@{VOLUME_EMAIL_DOMAIN}").count()
    missing = max(count - existing, 0)
    if not missing:
        return 0
    context = {
        "hashed": make_password(password),
        "group": Group.objects.get(name=Role.CANDIDATE.value),
        "qualifications": list(Qualification.objects.filter(is_active=True).values_list("pk", flat=True)),
        "staff": User.objects.filter(groups__name=Role.STAFF.value).order_by("pk").first(),
        "rng": random.Random(20261126 + existing),  # noqa: S311 (reproducible fake data, not secrets)
        "now": timezone.now(),
    }
    for start in range(existing, existing + missing, batch_size):
        with transaction.atomic():
            _seed_candidates(range(start, min(start + batch_size, existing + missing)), **context)
    return missing


def _seed_candidates(numbers: range, *, hashed, group, qualifications, staff, rng, now) -> None:
    """Candidates ``numbers`` with profile, role, one application, its identity snapshot and history."""
    User = get_user_model()
    users = insert(
        [
            User(
                email=f"candidate{i:06d}@{VOLUME_EMAIL_DOMAIN}",
                password=hashed,
                last_name=rng.choice(SURNAMES),
                first_name=rng.choice(NAMES),
                patronymic=rng.choice(PATRONYMICS) if rng.random() < 0.9 else "",
                date_joined=now,
            )
            for i in numbers
        ]
    )
    insert([User.groups.through(user_id=u.pk, group_id=group.pk) for u in users])
    profiles = insert([_profile(u, rng) for u in users])
    applications = [_application(u, rng.choice(qualifications), rng, now) for u in users]
    for application, pk in zip(applications, allocate_ids(Application, len(applications)), strict=True):
        # The number application_submit gives: the year of registration and the id.
        application.pk = pk
        application.number = f"V{application.submitted_at.year}-{pk:07d}"
    write(applications)
    # Each application keeps the personal data it was submitted with, as application_submit does.
    insert(
        [
            ApplicantIdentity(
                application_id=a.pk,
                last_name=u.last_name,
                first_name=u.first_name,
                patronymic=u.patronymic,
                email=u.email,
                captured_at=a.submitted_at,
                **{f: getattr(p, f) for f in IDENTITY_PROFILE_FIELDS},
            )
            for a, u, p in zip(applications, users, profiles, strict=True)
        ]
    )
    by_staff = ("accepted", "rejected", "documents_requested")
    insert(
        [
            ApplicationTransition(
                application_id=a.pk,
                from_status="draft",
                to_status=a.status,
                by_id=staff.pk if staff and a.status in by_staff else a.candidate_id,
                notified_at=now,
            )
            for a in applications
        ]
    )


def _profile(user, rng) -> CandidateProfile:
    return CandidateProfile(
        user_id=user.pk,
        date_of_birth=datetime.date(1970 + rng.randrange(35), rng.randrange(1, 13), rng.randrange(1, 28)),
        snils=snils_with_checksum(200000000 + user.pk),
        id_doc_type="passport_ru",
        id_doc_series=f"{4000 + rng.randrange(100):04d}",
        id_doc_number=f"{rng.randrange(10**6):06d}",
        id_doc_issued_by="ГУ МВД России",
        id_doc_issued_on=datetime.date(2016, 1, 1),
        phone="+7 900 000-00-00",
        address="г. Санкт-Петербург",
    )


def _application(user, qualification_id: int, rng, now) -> Application:
    status = rng.choice(STATUSES)
    registered = now - datetime.timedelta(days=rng.randrange(0, 60), minutes=rng.randrange(1440))
    awaiting = status in ("submitted", "resubmitted")
    return Application(
        candidate_id=user.pk,
        qualification_id=qualification_id,
        status=status,
        submitted_at=registered,
        review_due_on=(
            timezone.localdate(registered) + datetime.timedelta(days=settings.QAC_APPLICATION_REVIEW_DAYS)
            if awaiting
            else None
        ),
        decided_at=None if awaiting else registered,
        consent_text_version=settings.QAC_CONSENT_TEXT_VERSION,
        consent_given_at=registered,
        rules_accepted_at=registered,
        rejection_reason="Не подтвержден опыт работы." if status == "rejected" else "",
        staff_message="Приложите копию диплома." if status == "documents_requested" else "",
    )
