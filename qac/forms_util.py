"""Small form helpers shared by every app (infrastructure, like ``qac.accounts``: no domain rules)."""

from crispy_forms.helper import FormHelper
from django import forms


class NoFormTag:
    """Templates draw the <form> tag and buttons; crispy renders the fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class DateInput(forms.DateInput):
    """The browser's date picker, with the value in the ISO form it sends back."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def form_errors_text(form) -> str:
    """Every error of a bound form as one sentence for a message, in field order."""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)
