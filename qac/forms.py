"""Forms of the pages that gather several apps (qac/views.py)."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from qac.forms_util import DateInput

# Ten years of figures at most: a longer period is a mistyped year, not a question anyone asks.
MAX_PERIOD_DAYS = 3660


class PeriodForm(forms.Form):
    """The head's figures: from and to, both optional (the last twelve months by default)."""

    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise ValidationError(_("The period ends before it starts."), code="reversed")
            if (end - start).days > MAX_PERIOD_DAYS:
                raise ValidationError(_("Choose a period of at most ten years."), code="too_long")
        for value in (start, end):
            if value and value.year < 2000:
                raise ValidationError(_("Choose dates from the year 2000 on."), code="too_early")
        return data

    def period_bounds(self, default_start: datetime.date, default_end: datetime.date):
        data = self.cleaned_data
        start = data.get("start") or default_start
        end = data.get("end") or max(default_end, start)
        if start > end:
            # Only an end before the default start was given: the month up to that day.
            start = end.replace(day=1)
        return start, end
