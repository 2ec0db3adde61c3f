"""What the center assesses: professional standards, their qualifications,
and how each qualification is examined. Also the center's own identity,
which every document and page names."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .validators import (
    QUALIFICATION_CODE_RE,
    STANDARD_CODE_RE,
    validate_qualification_code,
    validate_standard_code,
)


class BilingualNameMixin:
    """Pick the Russian or English name by the active language.

    Russian is the legal language and always filled in; the English name
    falls back to it where staff have not translated it yet.
    """

    @property
    def display_name(self) -> str:
        if (get_language() or "ru").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class AssessmentCenter(models.Model):
    """The QAC itself, as registered with NARK. One row; staff edit it in the admin."""

    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("name in English"), max_length=255, blank=True)
    register_number = models.CharField(
        _("register number"),
        max_length=16,
        help_text=_("The center's number in the register of assessment centers, e.g. 78.033."),
    )
    city = models.CharField(_("city"), max_length=100)
    address = models.CharField(_("address"), max_length=255, blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    legal_address = models.CharField(
        _("legal address"),
        max_length=500,
        blank=True,
        help_text=_("Printed bottom left on certificates and conclusions (Order 725n)."),
    )
    council_name = models.CharField(_("Council for professional qualifications"), max_length=255)
    council_address = models.CharField(
        _("Council's address"),
        max_length=500,
        blank=True,
        help_text=_("Where the exam materials are sent (Decree 1204 p.15)."),
    )
    council_email = models.EmailField(_("Council's e-mail"), blank=True)
    empowerment_minutes = models.CharField(
        _("Council minutes empowering the center"), max_length=100, help_text=_("e.g. No. 30")
    )
    empowerment_date = models.DateField(_("date of the empowering minutes"))
    operating_since = models.DateField(_("operating since"), null=True, blank=True)
    head_name = models.CharField(
        _("head of the center"),
        max_length=150,
        blank=True,
        help_text=_("Initials and surname, as printed under the signature line."),
    )
    signer_name = models.CharField(
        _("documents signed by"),
        max_length=150,
        blank=True,
        help_text=_("Initials and surname of whoever signs certificates now; empty means the head."),
    )
    signer_is_deputy = models.BooleanField(
        _("signer acts for the head"),
        default=False,
        help_text=_("An acting head or an authorised person signs: «/» is printed before «Руководитель» (725n)."),
    )
    # What the center must publish (Decree 1204 p.4, Order 759n App. 1 p.1 «г»): shown on /about/ and in the footer.
    website = models.URLField(_("official website"), blank=True)
    opening_hours = models.TextField(
        _("opening hours"), blank=True, help_text=_("One line per day or group of days, e.g. «Mon-Fri 9:00-18:00».")
    )
    exam_venues = models.TextField(
        _("exam venues"), blank=True, help_text=_("The addresses where exams are held, one per line.")
    )
    council_website = models.URLField(_("Council's website"), blank=True)
    register_url = models.URLField(
        _("public register"),
        blank=True,
        help_text=_("The page of the register of independent qualification assessment (Order 759n)."),
    )
    appeals_address = models.CharField(_("appeals commission: postal address"), max_length=500, blank=True)
    appeals_email = models.EmailField(_("appeals commission: e-mail"), blank=True)
    appeals_phone = models.CharField(_("appeals commission: phone"), max_length=50, blank=True)
    example_fields = models.CharField(
        _("example values"),
        max_length=255,
        blank=True,
        help_text=_("Fields whose values are examples to be checked and replaced; empty once checked."),
    )

    class Meta:
        verbose_name = _("assessment center")
        verbose_name_plural = _("assessment center")

    def __str__(self) -> str:
        return f"{self.name} ({self.register_number})"

    @property
    def signer(self) -> str:
        """Initials and surname of whoever signs documents now."""
        return self.signer_name or self.head_name

    @property
    def display_name(self) -> str:
        if (get_language() or "ru").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class ProfessionalStandard(BilingualNameMixin, models.Model):
    code = models.CharField(_("code"), max_length=6, unique=True, validators=[validate_standard_code])
    name = models.CharField(_("name"), max_length=500)
    name_en = models.CharField(_("name in English"), max_length=500, blank=True)
    approval_details = models.CharField(
        _("approval details"),
        max_length=500,
        blank=True,
        help_text=_("The order of the Ministry of Labour approving the standard, with its number and date."),
    )
    activity_area = models.CharField(_("area of professional activity"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("professional standard")
        verbose_name_plural = _("professional standards")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=STANDARD_CODE_RE), name="standard_code_format"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Qualification(BilingualNameMixin, models.Model):
    """A qualification card of the register (Ministry of Labour Order No. 726n)."""

    standard = models.ForeignKey(
        ProfessionalStandard,
        verbose_name=_("professional standard"),
        on_delete=models.PROTECT,
        related_name="qualifications",
    )
    code = models.CharField(_("code"), max_length=11, unique=True, validators=[validate_qualification_code])
    name = models.CharField(_("name"), max_length=500)
    name_en = models.CharField(_("name in English"), max_length=500, blank=True)
    level = models.PositiveSmallIntegerField(
        _("qualification level"),
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text=_("Level in the national qualifications framework, 1 to 9."),
    )
    activity_type = models.CharField(_("type of professional activity"), max_length=500, blank=True)
    council_approval = models.CharField(_("Council approval (minutes)"), max_length=255, blank=True)
    nark_order = models.CharField(_("NARK order"), max_length=255, blank=True)
    labour_functions = models.TextField(
        _("labour functions assessed"),
        blank=True,
        help_text=_("One per line: the code, a space, the name (e.g. «C/01.5 Диагностика ...»)."),
    )
    legal_requirement = models.TextField(
        _("qualification requirement set by law"),
        blank=True,
        help_text=_(
            "A requirement set by a federal law or other act, with the act's details (725n appendix column 8)."
        ),
    )
    additional_characteristics = models.TextField(
        _("additional characteristics"),
        blank=True,
        help_text=_("Worker's profession or position per ETKS/EKS with grade or category (appendix column 9)."),
    )
    example_fields = models.CharField(
        _("example values"),
        max_length=255,
        blank=True,
        help_text=_("Fields whose values are examples to be checked against the register card; empty once checked."),
    )
    education_requirements = models.TextField(_("education requirements"), blank=True)
    experience_requirements = models.TextField(_("practical experience requirements"), blank=True)
    special_conditions = models.TextField(_("special admission conditions"), blank=True)
    reference_codes = models.CharField(
        _("reference codes"), max_length=255, blank=True, help_text=_("OKZ, ETKS, OKPDTR codes.")
    )
    validity_years = models.PositiveSmallIntegerField(
        _("certificate validity, years"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    is_active = models.BooleanField(
        _("accepting applications"),
        default=True,
        help_text=_("Only active qualifications are listed in the catalogue and open to applications."),
    )

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=9), name="qualification_level_1_9"),
            models.CheckConstraint(condition=Q(code__regex=QUALIFICATION_CODE_RE), name="qualification_code_format"),
            models.CheckConstraint(condition=Q(validity_years__gte=1), name="qualification_validity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name} ({self.level})"

    def clean(self) -> None:
        # The qualification code begins with its standard's code (31.004 -> 31.00400.02).
        if self.standard_id and self.code and not self.code.startswith(f"{self.standard.code}00."):
            raise ValidationError(
                {
                    "code": _("The code must begin with the standard's code followed by 00 (e.g. %(prefix)s).")
                    % {"prefix": f"{self.standard.code}00."}
                }
            )


class RequiredDocument(BilingualNameMixin, models.Model):
    """A document an applicant must (or may) attach for a qualification."""

    qualification = models.ForeignKey(
        Qualification,
        on_delete=models.CASCADE,
        related_name="required_documents",
        verbose_name=_("qualification"),
    )
    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("name in English"), max_length=255, blank=True)
    description = models.TextField(_("what is accepted"), blank=True)
    is_mandatory = models.BooleanField(_("mandatory"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["qualification", "position", "id"]

    def __str__(self) -> str:
        return self.name


class ExamSpecification(models.Model):
    """How the professional exam for a qualification is run: the assessment tools' frame."""

    class PracticalPassRule(models.TextChoices):
        """How the commission's experts, each scoring independently, reach one verdict.

        Each expert's own verdict is a pass when their total reaches the
        threshold share of the maximum score.
        """

        ALL = "all", _("every expert judges the stage passed")
        MAJORITY = "majority", _("a majority of the experts judge it passed")
        MEAN = "mean", _("the experts' mean score reaches the threshold")

    qualification = models.OneToOneField(
        Qualification, on_delete=models.CASCADE, related_name="exam_spec", verbose_name=_("qualification")
    )
    theory_question_count = models.PositiveSmallIntegerField(
        _("theory: number of questions"), validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    theory_time_limit_minutes = models.PositiveSmallIntegerField(
        _("theory: time limit, minutes"), validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    theory_pass_percent = models.PositiveSmallIntegerField(
        _("theory: pass threshold, %"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    practical_pass_rule = models.CharField(
        _("practical: pass rule"), max_length=16, choices=PracticalPassRule.choices, default=PracticalPassRule.ALL
    )
    practical_pass_percent = models.PositiveSmallIntegerField(
        _("practical: pass threshold, %"),
        default=70,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The share of the maximum practical score at which an expert's verdict (or the mean) is a pass."),
    )
    is_example = models.BooleanField(
        _("example data"),
        default=False,
        help_text=_(
            "Set on the specifications shipped with the system: staff replace them with the approved assessment tools."
        ),
    )
    # The Council approves the assessment tools (Decree 1204 p.11, Order 601n p.13): the specification with its
    # practical tasks, and the question bank of the theory stage. The bank lives in qac.exams, which standards may
    # not import, and it has no row of its own; its approval is recorded here, beside the specification's, because
    # both belong to the one qualification and are usually approved by the same decision.
    approval_number = models.CharField(
        _("Council's approval: decision number"),
        max_length=100,
        blank=True,
        help_text=_("The Council's decision (minutes) approving the assessment tools, e.g. No. 41."),
    )
    approval_date = models.DateField(_("Council's approval: date"), null=True, blank=True)
    bank_approval_number = models.CharField(
        _("question bank: decision number"),
        max_length=100,
        blank=True,
        help_text=_("The Council's decision approving the theory question bank; often the same decision."),
    )
    bank_approval_date = models.DateField(_("question bank: date of approval"), null=True, blank=True)
    practical_requires_theory = models.BooleanField(
        _("practical stage only after a passed theory stage"),
        default=False,
        help_text=_("A candidate who failed the theory stage is not admitted to the practical stage."),
    )

    class Meta:
        verbose_name = _("exam specification")
        verbose_name_plural = _("exam specifications")
        constraints = [
            models.CheckConstraint(
                condition=Q(theory_pass_percent__gte=1, theory_pass_percent__lte=100), name="spec_theory_pass_percent"
            ),
            models.CheckConstraint(
                condition=Q(practical_pass_percent__gte=1, practical_pass_percent__lte=100),
                name="spec_practical_pass_percent",
            ),
        ]

    def __str__(self) -> str:
        return str(self.qualification)

    def clean(self) -> None:
        errors = {}
        for number, date in (("approval_number", "approval_date"), ("bank_approval_number", "bank_approval_date")):
            if bool(getattr(self, number).strip()) != bool(getattr(self, date)):
                errors[date] = _("Give both the decision number and its date, or neither.")
        if self.is_example and (self.approval_number or self.bank_approval_number):
            errors["is_example"] = _(
                "Example data carries no Council approval: clear «example data» when recording the approval."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_approved(self) -> bool:
        """The Council's approval of the specification is recorded (example data never counts)."""
        return not self.is_example and bool(self.approval_number.strip()) and self.approval_date is not None

    @property
    def bank_is_approved(self) -> bool:
        return not self.is_example and bool(self.bank_approval_number.strip()) and self.bank_approval_date is not None

    @property
    def tools_approved(self) -> bool:
        """Both the specification and the question bank may be used with real candidates."""
        return self.is_approved and self.bank_is_approved


class PracticalTask(models.Model):
    spec = models.ForeignKey(
        ExamSpecification, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("exam specification")
    )
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit, minutes"), validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("practical task")
        verbose_name_plural = _("practical tasks")
        ordering = ["spec", "position", "id"]

    def __str__(self) -> str:
        return self.title


class PracticalCriterion(models.Model):
    task = models.ForeignKey(PracticalTask, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("task"))
    text = models.CharField(_("criterion"), max_length=500)
    max_score = models.PositiveSmallIntegerField(
        _("maximum score"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("assessment criterion")
        verbose_name_plural = _("assessment criteria")
        ordering = ["task", "position", "id"]
        constraints = [models.CheckConstraint(condition=Q(max_score__gte=1), name="criterion_max_score_positive")]

    def __str__(self) -> str:
        return self.text


class PublicPage(models.Model):
    """A section of the center's public information (its exam rules, the appeals procedure ...), kept by the head."""

    class Kind(models.TextChoices):
        RULES = "rules", _("The center's rules for the exam")
        APPEALS = "appeals", _("Appeals procedure")
        OTHER = "other", _("Other information")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), help_text=_("Plain text; an empty line starts a new paragraph."))
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_published = models.BooleanField(_("published"), default=True)
    is_example = models.BooleanField(
        _("example text"),
        default=False,
        help_text=_("Shipped with the system as an example: replace the text with the center's own, then clear."),
    )

    class Meta:
        verbose_name = _("public information section")
        verbose_name_plural = _("public information sections")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Fee(models.Model):
    """The price of the exam for a qualification from a date on; the newest one not in the future is in force."""

    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, related_name="fees", verbose_name=_("qualification")
    )
    amount = models.DecimalField(
        _("amount, roubles"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    valid_from = models.DateField(_("applies from"))
    note = models.CharField(_("note"), max_length=255, blank=True, help_text=_("e.g. VAT is not charged."))
    is_example = models.BooleanField(
        _("example price"),
        default=False,
        help_text=_("Shipped with the system as an example: enter the price the head approved, then clear."),
    )

    class Meta:
        verbose_name = _("exam fee")
        verbose_name_plural = _("exam fees")
        ordering = ["qualification", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["qualification", "valid_from"], name="one_fee_per_qualification_and_date"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fee_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.qualification.code}: {self.amount} ({self.valid_from:%d.%m.%Y})"
