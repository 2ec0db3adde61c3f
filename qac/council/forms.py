from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qac.forms_util import DateInput, NoFormTag

from .models import SendChannel, Verdict
from .selectors import VERDICT_CHOICES


class PackageSentForm(NoFormTag, forms.Form):
    sent_on = forms.DateField(label=_("Sent on"), widget=DateInput())
    sent_via = forms.ChoiceField(label=_("Sent by"), choices=SendChannel.choices)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=255,
        required=False,
        help_text=_("Letter number, tracking number or e-mail subject."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput())


class DecisionForm(NoFormTag, forms.Form):
    """The decision's number and date, and a verdict (with a reason where needed) per candidate."""

    number = forms.CharField(label=_("Decision (minutes) number"), max_length=64)
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput())
    reason = forms.CharField(
        label=_("Why the decision is corrected"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput(), required=False)

    def __init__(self, *args, results, correcting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.results = results
        self.correcting = correcting
        if not correcting:
            del self.fields["reason"]
        for result in results:
            allowed = VERDICT_CHOICES[result.decision]
            self.fields[f"verdict_{result.pk}"] = forms.ChoiceField(
                label=result.enrolment.application.applicant.get_full_name(),
                choices=[(v, Verdict(v).label) for v in allowed],
                initial=allowed[0],
            )
            self.fields[f"reason_{result.pk}"] = forms.CharField(
                label=_("Reason, if the Council did not recognise the result"),
                max_length=2000,
                required=False,
            )

    def clean_decided_on(self):
        day = self.cleaned_data["decided_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The Council's decision cannot be dated in the future."))
        return day

    def rows(self):
        """(result, verdict field, reason field) for the template's table."""
        return [(r, self[f"verdict_{r.pk}"], self[f"reason_{r.pk}"]) for r in self.results]

    def verdicts(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {r.pk: (data[f"verdict_{r.pk}"], data.get(f"reason_{r.pk}", "")) for r in self.results}
