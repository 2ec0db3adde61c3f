from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _


class _NoFormTag:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class VerifyForm(_NoFormTag, forms.Form):
    number = forms.CharField(
        label=_("Registration number"),
        max_length=32,
        help_text=_("As printed on the certificate, e.g. 31.00400.02.00000017.26"),
    )
    issue_date = forms.DateField(label=_("Date of issue"), widget=DateInput())


class RevokeForm(_NoFormTag, forms.Form):
    revoked_on = forms.DateField(label=_("Revoked on"), widget=DateInput())
    # The register export carries the reason; its schema allows 500 characters.
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(_NoFormTag, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CorrectionForm(_NoFormTag, forms.Form):
    last_name = forms.CharField(label=_("Surname"), max_length=150)
    first_name = forms.CharField(label=_("Name"), max_length=150)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=150, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ExtendForm(_NoFormTag, forms.Form):
    valid_until = forms.DateField(label=_("New expiry date"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason (e.g. the decree)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
