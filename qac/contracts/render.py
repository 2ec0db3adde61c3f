"""The contract and the invoice as PDFs (WeasyPrint), always in Russian: they are legal papers."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from qac.pdf import font_config
from standards.selectors import center_get

from .models import Contract, ContractPaper, PaperKind
from .selectors import bank_details
from .words import rubles_in_words

TEMPLATES = {PaperKind.CONTRACT: "contracts/pdf/contract.html", PaperKind.INVOICE: "contracts/pdf/invoice.html"}


def paper_html(contract: Contract, kind: str) -> str:
    lines = list(
        contract.lines.select_related("application__qualification", "application__identity", "application__candidate")
    )
    context = {
        "contract": contract,
        "payer": contract.payer,
        "lines": lines,
        "center": center_get(),
        "bank": bank_details(),
        "count": len(lines),
        "amount_in_words": rubles_in_words(contract.amount),
    }
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATES[kind], context)


def render_paper(paper: ContractPaper) -> bytes:
    from weasyprint import HTML

    html = paper_html(paper.contract, paper.kind)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=font_config())
