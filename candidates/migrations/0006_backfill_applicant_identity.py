"""Applications submitted before identities were kept get the profile as it is now: the best copy there is."""

from django.db import migrations
from django.utils import timezone

PROFILE_FIELDS = (
    "date_of_birth",
    "snils",
    "id_doc_type",
    "id_doc_series",
    "id_doc_number",
    "id_doc_issued_by",
    "id_doc_issued_on",
    "address",
    "phone",
)


def backfill(apps, schema_editor):
    Application = apps.get_model("candidates", "Application")
    Identity = apps.get_model("candidates", "ApplicantIdentity")
    now = timezone.now()
    pending = (
        Application.objects.exclude(status="draft")
        .filter(identity__isnull=True, candidate__candidate_profile__isnull=False)
        .select_related("candidate__candidate_profile")
    )
    batch = []
    for application in pending.iterator(chunk_size=2000):
        user = application.candidate
        profile = user.candidate_profile
        values = {f: getattr(profile, f) for f in PROFILE_FIELDS}
        batch.append(
            Identity(
                application=application,
                last_name=user.last_name,
                first_name=user.first_name,
                patronymic=user.patronymic or "",
                email=user.email,
                captured_at=application.submitted_at or now,
                **values,
            )
        )
        if len(batch) >= 2000:
            Identity.objects.bulk_create(batch)
            batch = []
    Identity.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("candidates", "0005_applicant_identity")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
