from django import forms
from django.utils.translation import gettext_lazy as _

from qac.forms_util import DateInput, NoFormTag

from .models import DeliveryMethod, DuplicateGrounds


class VerifyForm(NoFormTag, forms.Form):
    number = forms.CharField(
        label=_("Registration number"),
        max_length=32,
        help_text=_("As printed on the certificate, e.g. 31.00400.02.00000017.26"),
    )
    issue_date = forms.DateField(label=_("Date of issue"), widget=DateInput())


class RevokeForm(NoFormTag, forms.Form):
    revoked_on = forms.DateField(label=_("Revoked on"), widget=DateInput())
    # The register export carries the reason; its schema allows 500 characters.
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(NoFormTag, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class DeliveryForm(NoFormTag, forms.Form):
    method = forms.ChoiceField(label=_("How"), choices=DeliveryMethod.choices)
    delivered_on = forms.DateField(label=_("Date"), widget=DateInput())
    recipient = forms.CharField(
        label=_("Received by"),
        max_length=255,
        required=False,
        help_text=_("In person: the holder, or the representative with the proxy's details."),
    )
    tracking_number = forms.CharField(label=_("Postal tracking number"), max_length=64, required=False)


class DuplicateRequestForm(NoFormTag, forms.Form):
    grounds = forms.ChoiceField(label=_("Grounds"), choices=DuplicateGrounds.choices)
    received_on = forms.DateField(label=_("Application received on"), widget=DateInput())
    statement = forms.CharField(
        label=_("What the holder says"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    new_last_name = forms.CharField(label=_("New surname"), max_length=150, required=False)
    new_first_name = forms.CharField(label=_("New name"), max_length=150, required=False)
    new_patronymic = forms.CharField(label=_("New patronymic"), max_length=150, required=False)
    supporting_file = forms.FileField(
        label=_("Supporting document"),
        required=False,
        help_text=_("For a change of name: a copy of the marriage certificate or new passport (PDF, JPEG, PNG)."),
    )

    def clean_supporting_file(self):
        upload = self.cleaned_data.get("supporting_file")
        if not upload:
            return upload
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        head = upload.read(8)
        upload.seek(0)
        if not (head.startswith(b"%PDF") or head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG")):
            raise forms.ValidationError(_("Attach a PDF, JPEG or PNG file."))
        return upload


class ExtendForm(NoFormTag, forms.Form):
    valid_until = forms.DateField(label=_("New expiry date"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason (e.g. the decree)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
