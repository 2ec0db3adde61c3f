from django import forms
from django.utils.translation import gettext_lazy as _

from qac.forms_util import DateInput, NoFormTag

from .models import Payer
from .selectors import applications_without_contract, payers

STATEMENT_MAX_BYTES = 5 * 1024 * 1024


class PayerForm(NoFormTag, forms.ModelForm):
    class Meta:
        model = Payer
        fields = ["kind", "name", "inn", "kpp", "address", "contact_person", "email", "phone"]

    def clean_inn(self):
        return (self.cleaned_data.get("inn") or "").strip()

    def clean_kpp(self):
        return (self.cleaned_data.get("kpp") or "").strip().upper()


class ApplicationChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number} — {obj.candidate.get_full_name()}, {obj.qualification.code} ({obj.get_status_display()})"


class ContractForm(NoFormTag, forms.Form):
    applications = ApplicationChoice(
        label=_("Applications"), queryset=applications_without_contract(), widget=forms.CheckboxSelectMultiple
    )
    payer = forms.ModelChoiceField(
        label=_("Payer"),
        queryset=payers(),
        required=False,
        empty_label=_("The candidate themself"),
        help_text=_("An employer sending several employees gets one contract and one invoice for all of them."),
    )
    date = forms.DateField(label=_("Contract date"), widget=DateInput())
    inform_payer = forms.BooleanField(
        label=_("The payer receives a copy of the certificate or conclusion by e-mail (Decree 1204 p.18)"),
        required=False,
    )


class PaymentForm(NoFormTag, forms.Form):
    paid_on = forms.DateField(label=_("Date of payment"), widget=DateInput())
    amount = forms.DecimalField(label=_("Amount, roubles"), max_digits=12, decimal_places=2, min_value=0.01)
    document_number = forms.CharField(label=_("Payment document number"), max_length=32)


class GuaranteeForm(NoFormTag, forms.Form):
    note = forms.CharField(
        label=_("Guarantee of payment"),
        max_length=255,
        help_text=_("e.g. the employer's guarantee letter, its number and date."),
    )


class CancelForm(NoFormTag, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class StatementForm(NoFormTag, forms.Form):
    file = forms.FileField(
        label=_("Bank statement (1C exchange format, windows-1251)"),
        help_text=_("The file your bank or 1C exports: 1CClientBankExchange, usually kl_to_1c.txt."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > STATEMENT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB: is it a bank statement?"))
        return upload
