from django import forms
from django.utils.translation import gettext_lazy as _

from qac.forms_util import NoFormTag


class ActDecisionForm(NoFormTag, forms.Form):
    note = forms.CharField(
        label=_("Comment (required to reject)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StaffWithdrawalForm(NoFormTag, forms.Form):
    email = forms.EmailField(label=_("Candidate's e-mail"))
    note = forms.CharField(
        label=_("How it was received (letter, date, reference)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WithdrawConsentForm(NoFormTag, forms.Form):
    confirm = forms.BooleanField(
        label=_("I withdraw my consent to the processing of my personal data and understand what is kept and why.")
    )
