from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from qac.forms_util import DateInput, NoFormTag
from standards.models import Qualification

from . import selectors
from .models import (
    ApplicationStatus,
    CandidateProfile,
    ChangeRequestStatus,
    EducationRecord,
    NotifyBy,
    WorkExperience,
)
from .services import snils_taken_message
from .uploads import ACCEPT_ATTRIBUTE, inspect_upload
from .validators import format_snils, normalize_snils, validate_id_document, validate_snils


class SignupForm(NoFormTag, forms.Form):
    last_name = forms.CharField(label=_("Surname"), max_length=150)
    first_name = forms.CharField(label=_("Name"), max_length=150)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=150, required=False)
    # The model's limit: a longer address would pass the form and fail in the database.
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput)

    def clean_email(self):
        # No check that the address is free: saying so would tell anyone which
        # addresses have accounts. candidate_signup handles a taken address.
        return self.cleaned_data["email"].lower()

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            probe = get_user_model()(
                email=cleaned.get("email", ""),
                last_name=cleaned.get("last_name", ""),
                first_name=cleaned.get("first_name", ""),
            )
            try:
                password_validation.validate_password(p1, probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class UploadField(forms.FileField):
    widget = forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE})

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if uploaded:
            inspect_upload(uploaded)
        return uploaded


class ProfileForm(NoFormTag, forms.ModelForm):
    # Declared here, not taken from the model: people type SNILS with dashes and
    # spaces (14 characters); the model's own checks run on the 11 digits.
    snils = forms.CharField(
        label=_("SNILS"),
        max_length=14,
        required=False,
        help_text=_(
            "11 digits, e.g. 112-233-445 95. Not needed to apply; the register needs it to enter your certificate, "
            "so add it before the exam's results are sent there."
        ),
    )
    last_name = forms.CharField(label=_("Surname"), max_length=150)
    first_name = forms.CharField(label=_("Name"), max_length=150)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=150, required=False)
    supporting_document = UploadField(
        label=_("Document that proves the change (PDF, JPEG or PNG, up to 10 MB)"),
        required=False,
        help_text=_(
            "Your application under way or your certificate holds your identity data as submitted. A change of "
            "the name, date of birth, identity document, SNILS or address goes to the center for approval with "
            "this document: a marriage certificate, the new passport."
        ),
    )

    class Meta:
        model = CandidateProfile
        fields = [
            "date_of_birth",
            "snils",
            "id_doc_type",
            "id_doc_series",
            "id_doc_number",
            "id_doc_issued_by",
            "id_doc_issued_on",
            "phone",
            "address",
        ]
        widgets = {"date_of_birth": DateInput(), "id_doc_issued_on": DateInput()}

    field_order = ["last_name", "first_name", "patronymic"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not self.is_bound:
            for name in ("last_name", "first_name", "patronymic"):
                self.initial.setdefault(name, getattr(user, name))
            # Shown as people write it, 123-456-789 01; typed with or without the dashes.
            if self.instance.snils:
                self.initial["snils"] = format_snils(self.instance.snils)
        self.fields["snils"].widget.attrs.update({"placeholder": "123-456-789 01", "inputmode": "numeric"})
        # Only where a change would need the staff's approval is the proof asked for.
        if not selectors.profile_identity_bound(user=user):
            del self.fields["supporting_document"]

    def clean_snils(self):
        snils = normalize_snils(self.cleaned_data["snils"])
        if not snils:
            return ""
        validate_snils(snils)
        if CandidateProfile.objects.filter(snils=snils).exclude(user=self.user).exists():
            raise ValidationError(snils_taken_message(), code="snils_taken")
        return snils

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        digits = [c for c in phone if c.isdigit()]
        if not 10 <= len(digits) <= 15 or any(c not in "0123456789+-() " for c in phone):
            raise ValidationError(_("Enter a phone number of 10 to 15 digits, e.g. +7 812 123-45-67."))
        return phone

    def clean(self):
        cleaned = super().clean()
        for name in ("id_doc_series", "id_doc_number"):
            if cleaned.get(name):
                cleaned[name] = cleaned[name].replace(" ", "")
        if "id_doc_type" in cleaned:
            for field, error in validate_id_document(
                cleaned["id_doc_type"], cleaned.get("id_doc_series", ""), cleaned.get("id_doc_number", "")
            ).items():
                if field not in self.errors:
                    self.add_error(field, error)
        born, issued = cleaned.get("date_of_birth"), cleaned.get("id_doc_issued_on")
        if born and issued and issued < born:
            self.add_error("id_doc_issued_on", _("The document cannot be issued before the date of birth."))
        if (
            "supporting_document" in self.fields
            and not self.errors
            and not cleaned.get("supporting_document")
            and selectors.change_request_needs_document(
                user=self.user, names=self.names(), profile_data=self.profile_data()
            )
        ):
            self.add_error(
                "supporting_document",
                _(
                    "Your application under way or your certificate holds the data you are changing: attach the "
                    "document that proves the change (e.g. a marriage certificate or the new passport)."
                ),
            )
        return cleaned

    def names(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("last_name", "first_name", "patronymic")}

    def profile_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in self.Meta.fields}

    def supporting_file(self):
        return self.cleaned_data.get("supporting_document")


EducationFormSet = inlineformset_factory(
    CandidateProfile,
    EducationRecord,
    fields=["level", "institution", "specialty", "document_number", "completed_on"],
    widgets={"completed_on": DateInput()},
    extra=1,
    can_delete=True,
    max_num=10,
)


class _ExperienceForm(forms.ModelForm):
    class Meta:
        model = WorkExperience
        fields = ["employer", "position", "started_on", "ended_on"]
        widgets = {"started_on": DateInput(), "ended_on": DateInput()}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("started_on"), cleaned.get("ended_on")
        if start and end and end < start:
            self.add_error("ended_on", _("The end date is before the start date."))
        return cleaned


ExperienceFormSet = inlineformset_factory(
    CandidateProfile, WorkExperience, form=_ExperienceForm, extra=1, can_delete=True, max_num=20
)


class ContactForm(NoFormTag, forms.Form):
    """The Order 706n form's two choices: how to tell the candidate, and whether to post the documents.

    ``profile`` is the candidate's profile (or None): the phone channel needs its phone, and
    its address is the postal address offered when the candidate ticks "send by post".
    """

    notify_by = forms.ChoiceField(
        label=_("How should the center tell you about your application, the exam and the documents?"),
        choices=NotifyBy.choices,
        initial=NotifyBy.EMAIL,
        widget=forms.RadioSelect,
    )
    send_by_post = forms.BooleanField(
        label=_("Send the certificate or conclusion by registered mail"),
        required=False,
        help_text=_("Otherwise you collect it at the center in person."),
    )
    postal_address = forms.CharField(
        label=_("Postal address for the documents"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "data-contact": "postal-address"}),
    )

    def __init__(self, *args, profile=None, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile = profile
        if application is not None and not self.is_bound:
            self.initial.update(
                notify_by=application.notify_by,
                send_by_post=bool(application.postal_address),
                postal_address=application.postal_address,
            )
        profile_address = profile.address if profile is not None else ""
        self.initial.setdefault("postal_address", profile_address)
        # The page's script fills the address from the profile when "send by post" is ticked.
        self.fields["postal_address"].widget.attrs["data-profile-address"] = profile_address
        self.fields["send_by_post"].widget.attrs["data-contact"] = "send-by-post"
        if profile is not None and profile.phone:
            self.fields["notify_by"].help_text = _("Phone from your profile: %(phone)s.") % {"phone": profile.phone}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("notify_by") == NotifyBy.PHONE and not (self.profile and self.profile.phone):
            self.add_error("notify_by", _("To be told by phone, add your phone number to your profile first."))
        address = (cleaned.get("postal_address") or "").strip()
        if cleaned.get("send_by_post"):
            if not address:
                self.add_error("postal_address", _("Enter the address to post the documents to."))
        else:
            # Not ticked: collected in person, whatever the address box still holds.
            address = ""
        cleaned["postal_address"] = address
        return cleaned

    def contact(self) -> dict:
        return {"notify_by": self.cleaned_data["notify_by"], "postal_address": self.cleaned_data["postal_address"]}


class NewApplicationForm(ContactForm):
    qualification = forms.ModelChoiceField(
        label=_("Qualification"), queryset=Qualification.objects.none(), empty_label=None
    )

    field_order = ["qualification"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualification"].queryset = Qualification.objects.filter(is_active=True).order_by("code")
        self.fields["qualification"].label_from_instance = lambda q: f"{q.code} {q.display_name}"


class CallDoneForm(NoFormTag, forms.Form):
    note = forms.CharField(label=_("Note of the call (optional)"), required=False, max_length=500)


class DocumentUploadForm(NoFormTag, forms.Form):
    required_document = forms.TypedChoiceField(label=_("Document"), coerce=int)
    file = UploadField(label=_("File (PDF, JPEG or PNG, up to 10 MB)"))

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.documents = {d.pk: d for d in application.qualification.required_documents.all()}
        self.fields["required_document"].choices = [(pk, d.display_name) for pk, d in self.documents.items()]

    def clean_required_document(self):
        return self.documents[self.cleaned_data["required_document"]]


class SubmitForm(NoFormTag, forms.Form):
    consent_personal_data = forms.BooleanField(
        label=_("I consent to the processing of my personal data on the terms above."), required=True
    )
    accept_exam_rules = forms.BooleanField(label=_("I have read and accept the exam rules."), required=True)


class NoteForm(NoFormTag, forms.Form):
    note = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class StaffActionForm(NoFormTag, forms.Form):
    """One form for the three review actions; ``version`` is the state the staff member saw."""

    ACTIONS = {
        "accept": ApplicationStatus.ACCEPTED,
        "request_documents": ApplicationStatus.DOCUMENTS_REQUESTED,
        "reject": ApplicationStatus.REJECTED,
    }
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    text = forms.CharField(
        label=_("Message to the candidate"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") in ("request_documents", "reject") and not (cleaned.get("text") or "").strip():
            self.add_error(
                "text",
                _("Say which documents are needed.")
                if cleaned["action"] == "request_documents"
                else _("A refusal must state its reason."),
            )
        return cleaned


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    qualification = forms.ModelChoiceField(
        label=_("Qualification"),
        required=False,
        queryset=Qualification.objects.all().order_by("code"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    submitted_from = forms.DateField(label=_("Registered from"), required=False, widget=DateInput())
    submitted_to = forms.DateField(label=_("to"), required=False, widget=DateInput())
    date = forms.ChoiceField(
        label=_("Exam date"),
        required=False,
        choices=[
            ("", _("Any")),
            ("to_agree", _("Date to agree")),
            ("awaiting_answer", _("Waiting for the candidate's answer")),
        ],
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", _("All statuses")),
            (selectors.AWAITING_REVIEW_FILTER, _("Awaiting review (submitted or resubmitted)")),
        ] + [c for c in ApplicationStatus.choices if c[0] != ApplicationStatus.DRAFT]
        self.fields["qualification"].label_from_instance = lambda q: q.code


class ChangeRequestDecisionForm(NoFormTag, forms.Form):
    """Approve or refuse a change request; ``version`` is the state the staff member saw."""

    action = forms.ChoiceField(choices=[("approve", "approve"), ("refuse", "refuse")], widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    text = forms.CharField(
        label=_("Reason (the candidate sees it)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "refuse" and not (cleaned.get("text") or "").strip():
            self.add_error("text", _("A refusal must state its reason."))
        return cleaned


class ChangeRequestFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *ChangeRequestStatus.choices]


class AccountMergeForm(NoFormTag, forms.Form):
    kept = forms.EmailField(label=_("Account to keep (e-mail)"), max_length=254)
    duplicate = forms.EmailField(label=_("Account to merge into it and deactivate (e-mail)"), max_length=254)
    reason = forms.CharField(
        label=_("Why these are one person's accounts"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(
        label=_("I have checked the identity documents: both accounts belong to the same person."), required=True
    )

    def _account(self, field):
        email = self.cleaned_data[field].lower()
        user = get_user_model().objects.filter(email=email).first()
        if user is None:
            raise ValidationError(_("There is no account with this e-mail."), code="no_account")
        return user

    def clean_kept(self):
        return self._account("kept")

    def clean_duplicate(self):
        return self._account("duplicate")
