from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from qac.accounts.decorators import candidate_required, staff_required
from qac.files import private_file_response
from qac.forms_util import form_errors_text

from . import selectors, services
from .forms import CancelForm, ContractForm, GuaranteeForm, PayerForm, PaymentForm, StatementForm
from .models import ContractStatus

# --- Staff ----------------------------------------------------------------------------------------------


@staff_required
def contract_list(request):
    status = request.GET.get("status", "")
    page = Paginator(selectors.contract_list(status=status), 25).get_page(request.GET.get("page"))
    form = ContractForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST":
        if form.is_valid():
            try:
                contract = services.contract_create(by=request.user, **form.cleaned_data)
            except services.ContractError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Contract № %(number)s is made.") % {"number": contract.number})
                return redirect("contracts:detail", pk=contract.pk)
        else:
            messages.error(request, form_errors_text(form))
    return render(
        request,
        "contracts/staff/list.html",
        {
            "page": page,
            "status": status,
            "statuses": ContractStatus.choices,
            "form": form,
            "awaiting": selectors.applications_awaiting_payment()[:50],
        },
    )


@staff_required
@require_safe
def contract_detail(request, pk: int):
    contract = selectors.contract_get_for_staff(user=request.user, pk=pk)
    received = selectors.contract_received(contract)
    return render(
        request,
        "contracts/staff/detail.html",
        {
            "contract": contract,
            "received": received,
            "due": contract.amount - received,
            "payments": contract.payments.select_related("statement"),
            "history": contract.history.select_related("by"),
            "papers": {p.kind: p for p in contract.papers.all()},
            "actions": selectors.allowed_contract_actions(contract, request.user),
            "payment_form": PaymentForm(initial={"paid_on": timezone.localdate()}),
            "guarantee_form": GuaranteeForm(),
            "cancel_form": CancelForm(),
        },
    )


def _do(action: str, contract, request) -> str:
    """Run one action on the contract from its page's POST; returns the success message."""
    forms = {"payment": PaymentForm, "guarantee": GuaranteeForm, "cancel": CancelForm}
    data = {}
    if action in forms:
        form = forms[action](request.POST)
        if not form.is_valid():
            raise services.ContractError(form_errors_text(form))
        data = form.cleaned_data
    if action == "payment":
        services.payment_record(contract=contract, by=request.user, **data)
        return _("The payment is recorded.")
    if action == "guarantee":
        services.contract_guarantee(contract=contract, by=request.user, note=data["note"])
        return _("The guarantee is recorded: the candidates may be enrolled.")
    if action == "cancel":
        services.contract_cancel(contract=contract, by=request.user, reason=data["reason"])
        return _("The contract is cancelled.")
    if action == "send":
        services.contract_send(contract=contract, by=request.user)
        return _("The contract is marked as signed or sent to the payer.")
    if action == "close":
        services.contract_close(contract=contract, by=request.user)
        return _("The contract is closed.")
    if action == "email":
        services.papers_email(contract=contract, by=request.user)
        return _("The contract and the invoice are being sent to %(email)s.") % {"email": contract.payer.email}
    if action == "papers":
        services.papers_request(contract=contract, by=request.user)
        return _("The contract and the invoice are being prepared.")
    raise services.ContractError(_("Unknown action."))


@staff_required
@require_POST
def contract_action(request, pk: int):
    contract = selectors.contract_get_for_staff(user=request.user, pk=pk)
    try:
        messages.success(request, _do(request.POST.get("action", ""), contract, request))
    except services.ContractError as exc:
        messages.error(request, str(exc))
    return redirect("contracts:detail", pk=pk)


@staff_required
@require_safe
def staff_paper(request, pk: int, kind: str):
    contract = selectors.contract_get_for_staff(user=request.user, pk=pk)
    return _paper_response(contract, kind)


def _paper_response(contract, kind: str):
    paper = selectors.paper_get(contract=contract, kind=kind)
    return private_file_response(paper.file, filename=services.paper_file_name(paper), content_type="application/pdf")


@staff_required
def payer_list(request):
    form = PayerForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                payer = services.payer_create(by=request.user, **form.cleaned_data)
            except services.ContractError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Payer «%(name)s» is added.") % {"name": payer.name})
                return redirect("contracts:payers")
        else:
            messages.error(request, form_errors_text(form))
    page = Paginator(selectors.payers(), 50).get_page(request.GET.get("page"))
    return render(request, "contracts/staff/payers.html", {"form": form, "page": page})


@staff_required
def statement_import(request):
    form = StatementForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = services.statement_import(content=upload.read(), file_name=upload.name, by=request.user)
        else:
            messages.error(request, form_errors_text(form))
    status = 400 if result is not None and result.errors else 200
    return render(request, "contracts/staff/statement.html", {"form": form, "result": result}, status=status)


# --- Candidates --------------------------------------------------------------------------------------------


@candidate_required
@require_safe
def my_contracts(request):
    lines = selectors.contracts_for_candidate(user=request.user)
    for line in lines:
        line.contract.actions = selectors.allowed_contract_actions(line.contract, request.user)
    return render(request, "contracts/my_contracts.html", {"lines": lines})


@candidate_required
@require_safe
def my_paper(request, pk: int, kind: str):
    contract = selectors.contract_get_for_candidate(user=request.user, pk=pk)
    return _paper_response(contract, kind)
