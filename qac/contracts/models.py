"""Who pays for an exam and under which contract (Decree 1204 p.5-6, 13, 18); the payments received.

An application is covered by a contract line that holds the price in force on the
contract's date; an employer sending several employees has one contract with one
line per application, and one invoice for the sum.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qac.statemachine import SHORT_LABELS, TransitionRecord, done_by, status_fields

from .validators import validate_inn, validate_kpp


class PayerKind(models.TextChoices):
    PERSON = "person", _("Private person")
    ORGANISATION = "organisation", _("Organisation")


class Payer(models.Model):
    """Whoever pays for the exam: the candidate themself or an organisation (an employer)."""

    kind = models.CharField(_("payer"), max_length=16, choices=PayerKind.choices, default=PayerKind.ORGANISATION)
    name = models.CharField(_("name"), max_length=255, help_text=_("Full name of the organisation or the person."))
    inn = models.CharField(_("INN"), max_length=12, blank=True, validators=[validate_inn], db_index=True)
    kpp = models.CharField(_("KPP"), max_length=9, blank=True, validators=[validate_kpp])
    address = models.CharField(_("address"), max_length=500)
    contact_person = models.CharField(_("contact person"), max_length=255, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    # Set when the candidate pays for themself: their contracts are theirs to download.
    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payer",
        verbose_name=_("candidate"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("payer")
        verbose_name_plural = _("payers")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({_('INN')} {self.inn})" if self.inn else self.name

    def clean(self) -> None:
        if self.kind == PayerKind.ORGANISATION:
            if not self.inn:
                raise ValidationError({"inn": _("An organisation is named by its INN.")})
            if len(self.inn) == 10 and not self.kpp:
                raise ValidationError({"kpp": _("An organisation with a 10-digit INN has a KPP.")})
            if len(self.inn) == 12 and self.kpp:
                raise ValidationError({"kpp": _("An entrepreneur (12-digit INN) has no KPP.")})
        else:
            if self.inn and len(self.inn) != 12:
                raise ValidationError({"inn": _("A person's INN has 12 digits.")})
            if self.kpp:
                raise ValidationError({"kpp": _("A person has no KPP.")})


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Signed or sent to the payer")
    GUARANTEED = "guaranteed", _("Payment guaranteed")
    PAID = "paid", _("Paid")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Contract(models.Model):
    """A contract for assessment services with one payer, covering one or more applications."""

    number = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True)
    date = models.DateField(_("contract date"))
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("payer"))
    status = models.CharField(_("status"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    amount = models.DecimalField(_("amount, roubles"), max_digits=12, decimal_places=2)
    inform_payer = models.BooleanField(
        _("payer receives a copy of the document"),
        default=False,
        help_text=_("Decree 1204 p.18: the payer is sent a copy of the certificate or conclusion by e-mail."),
    )
    guarantee = models.CharField(_("guarantee of payment"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-date", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="contract_amount_not_negative")]

    def __str__(self) -> str:
        return f"№ {self.number} ({self.date:%d.%m.%Y})"


class ContractLine(models.Model):
    """One application under a contract, at the price in force on the contract's date."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="lines")
    application = models.ForeignKey(
        "candidates.Application", on_delete=models.PROTECT, related_name="contract_lines", verbose_name=_("application")
    )
    fee = models.ForeignKey("standards.Fee", on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    price = models.DecimalField(_("price, roubles"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["contract", "application"], name="one_line_per_application")]

    def __str__(self) -> str:
        return f"{self.contract}: {self.application}"


class ContractTransition(TransitionRecord):
    link = "contract"
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="history")
    from_status, to_status = status_fields(ContractStatus, labels=SHORT_LABELS)
    by = done_by(verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta(TransitionRecord.Meta):
        verbose_name = _("contract status change")
        verbose_name_plural = _("contract status changes")
        ordering = ["at", "pk"]


class PaperKind(models.TextChoices):
    CONTRACT = "contract", _("Contract")
    INVOICE = "invoice", _("Invoice")


class RenderStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    RENDERED = "rendered", _("Ready")
    FAILED = "failed", _("Preparation failed")


def _paper_path(instance: "ContractPaper", filename: str) -> str:
    return f"contracts/{instance.contract_id}/{filename}"


class ContractPaper(models.Model):
    """The contract's or the invoice's PDF, rendered by a worker."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="papers")
    kind = models.CharField(_("document"), max_length=16, choices=PaperKind.choices)
    status = models.CharField(_("status"), max_length=16, choices=RenderStatus.choices, default=RenderStatus.PENDING)
    file = models.FileField(upload_to=_paper_path, max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    rendered_at = models.DateTimeField(_("ready"), null=True, blank=True)

    class Meta:
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")
        constraints = [models.UniqueConstraint(fields=["contract", "kind"], name="one_paper_of_a_kind")]

    def __str__(self) -> str:
        return f"{self.contract} {self.kind}"


class BankStatement(models.Model):
    """A bank statement imported in the 1C exchange format; its hash makes a second import a no-op."""

    sha256 = models.CharField(max_length=64, unique=True)
    file_name = models.CharField(_("file name"), max_length=255)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    payments_recorded = models.PositiveIntegerField(_("payments recorded"), default=0)

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.imported_at:%d.%m.%Y})"


class Payment(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField(_("date of payment"))
    amount = models.DecimalField(_("amount, roubles"), max_digits=12, decimal_places=2)
    document_number = models.CharField(_("payment document number"), max_length=32)
    statement = models.ForeignKey(
        BankStatement, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["paid_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            # The same payment order is recorded once, whether typed in or read from two statements.
            models.UniqueConstraint(fields=["contract", "document_number", "paid_on"], name="one_payment_per_document"),
        ]

    def __str__(self) -> str:
        return f"{self.document_number} {self.paid_on:%d.%m.%Y}: {self.amount}"


class BankDetails(models.Model):
    """The center's own bank details, printed on contracts and invoices; one row, the head keeps it."""

    inn = models.CharField(_("INN"), max_length=12, blank=True, validators=[validate_inn])
    kpp = models.CharField(_("KPP"), max_length=9, blank=True, validators=[validate_kpp])
    account = models.CharField(_("settlement account"), max_length=20, blank=True)
    bank_name = models.CharField(_("bank"), max_length=255, blank=True)
    bik = models.CharField(_("BIK"), max_length=9, blank=True)
    correspondent_account = models.CharField(_("correspondent account"), max_length=20, blank=True)
    vat_note = models.CharField(_("VAT"), max_length=255, blank=True, default="Без НДС")

    class Meta:
        verbose_name = _("center's bank details")
        verbose_name_plural = _("center's bank details")

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account}"


class PayerNotice(models.Model):
    """A copy of a certificate or conclusion sent to the payer (Decree 1204 p.18), once per document.

    The document is named by its id: the certificates app is downstream of this one.
    """

    document_id = models.PositiveIntegerField(_("document"), unique=True)
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="notices")
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("copy sent to the payer")
        verbose_name_plural = _("copies sent to payers")

    def __str__(self) -> str:
        return f"{self.payer}: {self.document_id}"
