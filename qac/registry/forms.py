from django import forms
from django.utils.translation import gettext_lazy as _

from qac.forms_util import NoFormTag

from .answers import MAX_ANSWER_BYTES


class AnswerUploadForm(NoFormTag, forms.Form):
    file = forms.FileField(
        label=_("The register's answer file"),
        help_text=_("CSV or XML in the format of docs/register-answer.md, at most 20 MB."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_ANSWER_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB."), params={"mb": MAX_ANSWER_BYTES >> 20}, code="too_large"
            )
        return upload


class EnterNumberForm(NoFormTag, forms.Form):
    """One registration number entered by hand (from the register's record seen on its site)."""

    document = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    number = forms.CharField(
        label=_("Registration number"),
        max_length=32,
        help_text=_("As the register shows it, e.g. 31.00400.02.00000017.26"),
    )
    issue_date = forms.DateField(
        label=_("Date of issue"),
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # Not a URLField: it would quietly add "http://"; the service's own check says what a register link is.
    register_url = forms.CharField(label=_("Link to the register record"), max_length=500)
