from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from candidates.uploads import ACCEPT_ATTRIBUTE
from qac.exams.models import Decision
from qac.forms_util import DateInput, NoFormTag

from .models import Grounds, Remedy


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by the service (``candidates.uploads.inspect_upload``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class AppealForm(NoFormTag, forms.Form):
    grounds = forms.MultipleChoiceField(
        label=_("Grounds (Order 701n p.4)"), choices=Grounds.choices, widget=forms.CheckboxSelectMultiple
    )
    statement = forms.CharField(
        label=_("What you disagree with and what you ask for"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    files = MultipleFileField(
        label=_("Supporting files (PDF, JPEG or PNG, up to 10 MB each)"),
        required=False,
        help_text=_("Up to %(n)s files.") % {"n": settings.QAC_APPEAL_MAX_FILES},
    )

    def __init__(self, *args, refused: bool = False, paper: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        refused_only = [(Grounds.REFUSED.value, Grounds.REFUSED.label)]
        self.fields["grounds"].choices = refused_only if refused else [c for c in Grounds.choices if c[0] != "refused"]
        if paper:
            self.fields["received_on"] = forms.DateField(label=_("Received on"), widget=DateInput())


class ForwardForm(NoFormTag, forms.Form):
    forwarded_on = forms.DateField(label=_("Forwarded on"), widget=DateInput())
    reference = forms.CharField(label=_("Reference (letter number)"), max_length=255, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput())


class DecideForm(NoFormTag, forms.Form):
    outcome = forms.ChoiceField(
        label=_("The commission's decision"),
        choices=[("satisfied", _("Satisfied")), ("rejected", _("Rejected"))],
        widget=forms.RadioSelect,
    )
    number = forms.CharField(label=_("Decision (minutes) number"), max_length=64)
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput())
    text = forms.CharField(label=_("The decision as worded"), max_length=8000, widget=forms.Textarea(attrs={"rows": 3}))
    remedy = forms.ChoiceField(
        label=_("What must be done (if satisfied)"), choices=[("", "—"), *Remedy.choices], required=False
    )
    execute_by = forms.DateField(label=_("Execute by (at most 45 days)"), widget=DateInput(), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput())


class ExecuteForm(NoFormTag, forms.Form):
    note = forms.CharField(
        label=_("How it was carried out"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    decision = forms.ChoiceField(
        label=_("Corrected decision"),
        choices=[(Decision.PASSED.value, Decision.PASSED.label), (Decision.FAILED.value, Decision.FAILED.label)],
        required=False,
    )
    theory_percent = forms.IntegerField(label=_("Theory, %"), min_value=0, max_value=100, required=False)
    practical_percent = forms.IntegerField(label=_("Practice, %"), min_value=0, max_value=100, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args, correcting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not correcting:
            for name in ("decision", "theory_percent", "practical_percent"):
                del self.fields[name]

    def result_changes(self) -> dict:
        data = self.cleaned_data
        return {
            k: data[k] for k in ("decision", "theory_percent", "practical_percent") if data.get(k) not in (None, "")
        }


class WithdrawForm(NoFormTag, forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=2000, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput())
