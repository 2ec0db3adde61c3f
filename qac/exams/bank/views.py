"""Staff pages of the question bank: the overview, one qualification's questions, export and import."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from qac.accounts.decorators import staff_required

from . import formats, selectors
from .exporters import bank_export
from .formats import FORMATS
from .forms import BankImportForm
from .services import bank_import

PAGE_SIZE = 25


@staff_required
@require_safe
def index(request):
    return render(request, "exams/bank/index.html", {"banks": selectors.bank_overview()})


def _detail_context(request, qualification, *, form=None, report=None) -> dict:
    summary = selectors.bank_summary(qualification=qualification)
    topics = [t["topic"] for t in summary.topics]
    topic = request.GET.get("topic", "")
    if topic not in topics:
        topic = ""
    page = Paginator(selectors.bank_questions(qualification=qualification, topic=topic), PAGE_SIZE).get_page(
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
        "formats": FORMATS,
        "max_bytes": formats.MAX_IMPORT_BYTES,
    }


@staff_required
@require_safe
def questions(request, pk: int):
    qualification = selectors.qualification_get_for_staff(pk=pk)
    return render(request, "exams/bank/questions.html", _detail_context(request, qualification))


@staff_required
@require_safe
def export(request, pk: int, fmt: str):
    if fmt not in FORMATS:
        raise Http404
    qualification = selectors.qualification_get_for_staff(pk=pk)
    content, content_type, filename = bank_export(qualification=qualification, fmt=fmt)
    response = HttpResponse(content, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@staff_required
@require_POST
def import_file(request, pk: int):
    qualification = selectors.qualification_get_for_staff(pk=pk)
    form = BankImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request, "exams/bank/questions.html", _detail_context(request, qualification, form=form), status=400
        )
    upload = form.cleaned_data["file"]
    report = bank_import(qualification=qualification, data=upload.read(), fmt=form.fmt, by=request.user)
    if not report.ok:
        context = _detail_context(request, qualification, form=form, report=report)
        return render(request, "exams/bank/questions.html", context, status=400)
    messages.success(
        request,
        _("The file is imported: %(created)s new, %(updated)s changed and %(unchanged)s unchanged questions.")
        % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
    )
    return redirect("exams_bank:questions", pk=qualification.pk)
