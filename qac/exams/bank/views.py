"""Staff pages of the question bank: the overview, one qualification's questions, export and import."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from qac.accounts.decorators import staff_required
from standards.models import Qualification

from . import importers as bank

PAGE_SIZE = 25


class BankImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (UTF-8), XLSX or JSON; the format is taken from the file's extension."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.json"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = (upload.name or "").rsplit(".", 1)[-1].lower() if "." in (upload.name or "") else ""
        if suffix not in bank.FORMATS:
            raise forms.ValidationError(_("Choose a .csv, .xlsx or .json file."), code="extension")
        if upload.size > bank.MAX_IMPORT_BYTES:
            # Refused before reading: the upload is not loaded into memory.
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(bank.MAX_IMPORT_BYTES)},
                code="too_large",
            )
        self.fmt = suffix
        return upload


def _qualification(pk: int) -> Qualification:
    return get_object_or_404(Qualification.objects.select_related("exam_spec"), pk=pk)


@staff_required
@require_safe
def index(request):
    return render(request, "exams/bank/index.html", {"banks": bank.bank_overview()})


def _detail_context(request, qualification, *, form=None, report=None) -> dict:
    summary = bank.bank_summary(qualification=qualification)
    topics = [t["topic"] for t in summary.topics]
    topic = request.GET.get("topic", "")
    if topic not in topics:
        topic = ""
    page = Paginator(bank.bank_questions(qualification=qualification, topic=topic), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return {
        "qualification": qualification,
        "summary": summary,
        "topics": topics,
        "topic": topic,
        "page": page,
        "query": params.urlencode(),
        "form": form or BankImportForm(),
        "report": report,
        "formats": bank.FORMATS,
        "max_bytes": bank.MAX_IMPORT_BYTES,
    }


@staff_required
@require_safe
def questions(request, pk: int):
    qualification = _qualification(pk)
    return render(request, "exams/bank/questions.html", _detail_context(request, qualification))


@staff_required
@require_safe
def export(request, pk: int, fmt: str):
    if fmt not in bank.FORMATS:
        raise Http404
    qualification = _qualification(pk)
    content, content_type, filename = bank.bank_export(qualification=qualification, fmt=fmt)
    response = HttpResponse(content, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@staff_required
@require_POST
def import_file(request, pk: int):
    qualification = _qualification(pk)
    form = BankImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request, "exams/bank/questions.html", _detail_context(request, qualification, form=form), status=400
        )
    upload = form.cleaned_data["file"]
    report = bank.bank_import(qualification=qualification, data=upload.read(), fmt=form.fmt, by=request.user)
    if not report.ok:
        context = _detail_context(request, qualification, form=form, report=report)
        return render(request, "exams/bank/questions.html", context, status=400)
    messages.success(
        request,
        _("The file is imported: %(created)s new, %(updated)s changed and %(unchanged)s unchanged questions.")
        % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
    )
    return redirect("exams_bank:questions", pk=qualification.pk)
