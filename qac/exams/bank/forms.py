"""The question bank's upload form."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import formats
from .formats import FORMATS


class BankImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (UTF-8), XLSX or JSON; the format is taken from the file's extension."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.json"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = (upload.name or "").rsplit(".", 1)[-1].lower() if "." in (upload.name or "") else ""
        if suffix not in FORMATS:
            raise forms.ValidationError(_("Choose a .csv, .xlsx or .json file."), code="extension")
        if upload.size > formats.MAX_IMPORT_BYTES:
            # Refused before reading: the upload is not loaded into memory.
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(formats.MAX_IMPORT_BYTES)},
                code="too_large",
            )
        self.fmt = suffix
        return upload
