import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import IdDocumentType
from qac.accounts.roles import Role
from qac.forms_util import NoFormTag
from standards.models import Qualification

from .models import Decision


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _experts():
    return (
        get_user_model()
        .objects.filter(groups__name=Role.EXPERT.value, is_active=True)
        .order_by("last_name", "first_name")
    )


class ExpertChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class ExpertsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class _WhenWhereForm(NoFormTag, forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DateTimeInput())
    venue_address = forms.CharField(label=_("Address"), max_length=255)
    venue_room = forms.CharField(label=_("Room"), max_length=100, required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start and end:
            if end <= start:
                self.add_error("ends_at", _("The session must end after it starts."))
            elif end - start > datetime.timedelta(hours=14):
                self.add_error("ends_at", _("A session lasts at most one working day."))
            if start < timezone.now() - datetime.timedelta(minutes=5):
                self.add_error("starts_at", _("The start is in the past."))
        return cleaned


class SessionForm(_WhenWhereForm):
    qualification = forms.ModelChoiceField(label=_("Qualification"), queryset=Qualification.objects.none())
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=500, initial=10)
    chair = ExpertChoiceField(label=_("Chair of the commission"), queryset=get_user_model().objects.none())
    experts = ExpertsField(
        label=_("Experts"), queryset=get_user_model().objects.none(), help_text=_("At least three with the chair.")
    )

    field_order = [
        "qualification",
        "starts_at",
        "ends_at",
        "venue_address",
        "venue_room",
        "capacity",
        "chair",
        "experts",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualification"].queryset = Qualification.objects.filter(
            is_active=True, exam_spec__isnull=False
        ).order_by("code")
        self.fields["qualification"].queryset = self.fields["qualification"].queryset.select_related("exam_spec")
        self.fields["qualification"].label_from_instance = _qualification_label
        self.fields["chair"].queryset = _experts()
        self.fields["experts"].queryset = _experts()


def _qualification_label(q) -> str:
    # Staff see at once which qualifications cannot be planned yet (session_create refuses them with the reason).
    label = f"{q.code} {q.display_name}"
    if not q.exam_spec.tools_approved:
        label += " — " + str(_("assessment tools not approved"))
    return label


class RescheduleForm(_WhenWhereForm):
    reason = forms.CharField(
        label=_("Reason (sent to the candidates)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(NoFormTag, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class EnrolForm(forms.Form):
    applications = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = queryset
        self.fields["applications"].error_messages["required"] = _("Choose at least one application.")


class PaperScoreForm(NoFormTag, forms.Form):
    percent = forms.IntegerField(label=_("Theory score, %"), min_value=0, max_value=100)
    reason = forms.CharField(label=_("Why on paper"), max_length=2000)


class PresenceForm(NoFormTag, forms.Form):
    """Admission on an identity document (Decree 1204 p.10): which document was shown, and the end of its number."""

    id_document_type = forms.ChoiceField(label=_("Identity document checked"), choices=IdDocumentType.choices)
    id_document_tail = forms.RegexField(
        label=_("Last 4 characters of its number"),
        regex=r"^\s*[0-9A-Za-zА-Яа-яЁё]{4}\s*$",
        max_length=8,
        error_messages={"invalid": _("Enter the last 4 characters (letters or digits) of the document's number.")},
    )


class ExtraTimeForm(NoFormTag, forms.Form):
    """Extra time on the theory test, an accessibility adjustment."""

    percent = forms.IntegerField(label=_("Extra time, percent of the time limit"), min_value=1, max_value=100)
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class SpecialDecisionForm(NoFormTag, forms.Form):
    decision = forms.ChoiceField(
        choices=[(Decision.ABSENT, Decision.ABSENT.label), (Decision.REMOVED, Decision.REMOVED.label)]
    )
    note = forms.CharField(label=_("Incident note"), max_length=4000, required=False)


class CorrectionForm(NoFormTag, forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    theory_percent = forms.IntegerField(label=_("Theory, %"), min_value=0, max_value=100, required=False)
    practical_percent = forms.IntegerField(label=_("Practice, %"), min_value=0, max_value=100, required=False)
    reason = forms.CharField(
        label=_("Reason for the correction"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ScoringForm(forms.Form):
    """One integer field per criterion, named ``c<criterion id>``, bounded by the criterion's maximum."""

    def __init__(self, *args, sheet, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = {}
        for _task, rows in sheet:
            for criterion, mine in rows:
                name = f"c{criterion.pk}"
                self.fields[name] = forms.IntegerField(
                    label=criterion.text,
                    min_value=0,
                    max_value=criterion.max_score,
                    required=True,
                    initial=mine.score if mine else None,
                )
                self.fields[f"note{criterion.pk}"] = forms.CharField(
                    label=_("Comment"), required=False, max_length=1000, initial=mine.comment if mine else ""
                )
                self.criteria[criterion.pk] = criterion

    def rows(self, sheet):
        """The sheet with each criterion's bound score and comment fields, for the template."""
        return [(task, [(c, self[f"c{c.pk}"], self[f"note{c.pk}"]) for c, _mine in rows]) for task, rows in sheet]

    def scores(self) -> dict[int, int]:
        return {pk: self.cleaned_data[f"c{pk}"] for pk in self.criteria}

    def comments(self) -> dict[int, str]:
        return {pk: self.cleaned_data.get(f"note{pk}", "") for pk in self.criteria}


# --- Agreeing the exam date ---------------------------------------------------------------------


class SessionChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        local = timezone.localtime(obj.starts_at)
        free = obj.capacity - obj.enrolled
        return _("%(when)s, %(place)s — %(free)s of %(capacity)s places free") % {
            "when": f"{local:%d.%m.%Y %H:%M}",
            "place": ", ".join(p for p in (obj.venue_address, obj.venue_room) if p),
            "free": free,
            "capacity": obj.capacity,
        }


class DateOfferForm(NoFormTag, forms.Form):
    """Staff offer sessions of the application's qualification that are still open to booking."""

    sessions = SessionChoices(label=_("Sessions to offer"), queryset=None)
    message = forms.CharField(
        label=_("Message to the candidate (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sessions"].queryset = queryset
        self.fields["sessions"].error_messages["required"] = _("Choose at least one session to offer.")


class DateAnswerForm(forms.Form):
    """An answer to an offer: confirm a session, or ask for another date; ``version`` is the offer the user saw.

    Staff record the same answers given by phone (``confirm_phone``, ``decline_phone``) or withdraw the offer.
    """

    ACTIONS = ("confirm", "decline", "confirm_phone", "decline_phone", "withdraw")
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    version = forms.IntegerField(min_value=1)
    session = forms.IntegerField(required=False, min_value=1)
    text = forms.CharField(required=False, max_length=2000)

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action in ("confirm", "confirm_phone") and not cleaned.get("session"):
            self.add_error("session", _("Choose one of the sessions offered."))
        if action in ("decline", "decline_phone") and not (cleaned.get("text") or "").strip():
            self.add_error("text", _("Say which dates would suit you (or why these do not)."))
        if action == "confirm_phone" and not (cleaned.get("text") or "").strip():
            self.add_error("text", _("Note what the candidate said on the phone."))
        return cleaned
