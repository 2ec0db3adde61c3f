"""The candidate's own data: the profile (152-FZ personal data), education and work experience."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..validators import (
    format_snils,
    mask_document_number,
    mask_snils,
    validate_birth_date,
    validate_plausible_past_date,
    validate_snils,
)


class IdDocumentType(models.TextChoices):
    PASSPORT_RU = "passport_ru", _("Passport of a citizen of the Russian Federation")
    PASSPORT_FOREIGN = "passport_foreign", _("Foreign citizen's passport")
    MILITARY_ID = "military_id", _("Military ID")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")


class PersonalDataDisplay:
    """The SNILS and the identity document's number as pages show them, for a profile and an identity alike."""

    @property
    def snils_display(self) -> str:
        return format_snils(self.snils) if self.snils else ""

    @property
    def snils_masked(self) -> str:
        return mask_snils(self.snils) if self.snils else ""

    @property
    def id_doc_number_masked(self) -> str:
        return mask_document_number(self.id_doc_number)


class CandidateProfile(PersonalDataDisplay, models.Model):
    """Personal data of a candidate (152-FZ): shown only to the candidate and to QAC staff."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="candidate_profile", verbose_name=_("user")
    )
    date_of_birth = models.DateField(_("date of birth"), validators=[validate_birth_date])
    # Not on the 706n form (domain.md): asked for where the register needs it, so it may be blank;
    # one person, one SNILS: a partial unique constraint below, blank values aside.
    snils = models.CharField(_("SNILS"), max_length=11, blank=True, validators=[validate_snils], db_index=True)
    id_doc_type = models.CharField(_("identity document"), max_length=32, choices=IdDocumentType.choices)
    id_doc_series = models.CharField(_("series"), max_length=10, blank=True)
    id_doc_number = models.CharField(_("number"), max_length=15)
    id_doc_issued_by = models.CharField(_("issued by"), max_length=255)
    id_doc_issued_on = models.DateField(_("date of issue"), validators=[validate_plausible_past_date])
    phone = models.CharField(_("phone"), max_length=32)
    address = models.CharField(_("address"), max_length=500)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("candidate profile")
        verbose_name_plural = _("candidate profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["snils"],
                condition=~Q(snils=""),
                name="candidate_profile_snils_unique",
                violation_error_message=_("This SNILS is already in another account."),
            )
        ]

    def __str__(self) -> str:
        return str(self.user)


class EducationRecord(models.Model):
    class Level(models.TextChoices):
        SECONDARY_GENERAL = "secondary_general", _("Secondary general")
        VOCATIONAL_TRAINING = "vocational_training", _("Vocational training")
        SECONDARY_VOCATIONAL = "secondary_vocational", _("Secondary vocational")
        HIGHER = "higher", _("Higher")
        ADDITIONAL = "additional", _("Additional professional programme")

    profile = models.ForeignKey(
        CandidateProfile, on_delete=models.CASCADE, related_name="education", verbose_name=_("profile")
    )
    level = models.CharField(_("level of education"), max_length=32, choices=Level.choices)
    institution = models.CharField(_("educational institution"), max_length=255)
    specialty = models.CharField(_("specialty or programme"), max_length=255, blank=True)
    document_number = models.CharField(_("diploma or certificate number"), max_length=64, blank=True)
    completed_on = models.DateField(_("completed on"), validators=[validate_plausible_past_date])

    class Meta:
        verbose_name = _("education record")
        verbose_name_plural = _("education records")
        ordering = ["-completed_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.institution}"


class WorkExperience(models.Model):
    profile = models.ForeignKey(
        CandidateProfile, on_delete=models.CASCADE, related_name="experience", verbose_name=_("profile")
    )
    employer = models.CharField(_("employer"), max_length=255)
    position = models.CharField(_("position"), max_length=255)
    started_on = models.DateField(_("from"), validators=[validate_plausible_past_date])
    ended_on = models.DateField(_("to"), null=True, blank=True, validators=[validate_plausible_past_date])

    class Meta:
        verbose_name = _("work experience")
        verbose_name_plural = _("work experience")
        ordering = ["-started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="experience_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}, {self.employer}"
