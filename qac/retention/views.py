"""Pages of retention: the head's acts, staff's withdrawals received on paper, the candidate's withdrawal."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qac.accounts.decorators import candidate_required, head_required, staff_required
from qac.files import private_file_response
from qac.forms_util import form_errors_text

from . import selectors, services
from .forms import ActDecisionForm, StaffWithdrawalForm, WithdrawConsentForm
from .models import WithdrawalVia


@head_required
@require_safe
def acts(request):
    page = Paginator(selectors.acts_for_head(), 25).get_page(request.GET.get("page"))
    context = {"page": page, "withdrawals": selectors.withdrawals_open(), "today": timezone.localdate()}
    return render(request, "retention/acts.html", context)


@head_required
@require_POST
def propose_now(request):
    try:
        act = services.act_propose(today=timezone.localdate(), trigger="head", by=request.user)
    except services.RetentionError as exc:
        messages.error(request, str(exc))
        return redirect("retention:acts")
    if act is None:
        messages.info(request, _("Nothing has passed its retention period: no act is needed."))
        return redirect("retention:acts")
    messages.success(request, _("Act %(number)s is proposed.") % {"number": act.number})
    return redirect("retention:act", act.pk)


@head_required
@require_safe
def act_page(request, pk: int):
    act = selectors.act_get_for_head(user=request.user, pk=pk)
    context = {
        "act": act,
        "summary": selectors.act_summary(act),
        "items": Paginator(selectors.act_items(act), 100).get_page(request.GET.get("page")),
        "actions": selectors.allowed_act_actions(act, request.user),
        "history": act.history.select_related("by"),
        "form": ActDecisionForm(),
    }
    return render(request, "retention/act.html", context)


@head_required
@require_POST
def act_action(request, pk: int):
    act = selectors.act_get_for_head(user=request.user, pk=pk)
    form = ActDecisionForm(request.POST)
    action = request.POST.get("action")
    if action not in ("approve", "reject") or not form.is_valid():
        messages.error(request, form_errors_text(form) or _("Choose to approve or to reject the act."))
        return redirect("retention:act", act.pk)
    try:
        if action == "approve":
            services.act_approve(act=act, by=request.user, note=form.cleaned_data["note"])
            messages.success(request, _("The act is approved; the records are being destroyed."))
        else:
            services.act_reject(act=act, by=request.user, note=form.cleaned_data["note"])
            messages.success(request, _("The act is rejected."))
    except services.RetentionError as exc:
        messages.error(request, str(exc))
    return redirect("retention:act", act.pk)


@head_required
@require_safe
def act_pdf(request, pk: int):
    act = selectors.act_get_for_head(user=request.user, pk=pk)
    return private_file_response(act.pdf, filename=f"act-{act.number}.pdf", content_type="application/pdf")


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_withdrawals(request):
    form = StaffWithdrawalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        candidate = selectors.candidate_by_email(form.cleaned_data["email"])
        try:
            if candidate is None:
                raise services.RetentionError(_("No account has this e-mail."))
            services.consent_withdraw(
                candidate=candidate, by=request.user, via=WithdrawalVia.STAFF, note=form.cleaned_data["note"]
            )
        except services.RetentionError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(request, _("The withdrawal is registered; it goes into the next destruction act."))
            return redirect("retention:withdrawals")
    context = {
        "form": form,
        "withdrawals": selectors.withdrawals_open(),
        "today": timezone.localdate(),
        "days": selectors.withdrawal_days(),
    }
    return render(request, "retention/withdrawals.html", context)


@candidate_required
@require_http_methods(["GET", "HEAD", "POST"])
def withdraw_consent(request):
    existing = selectors.withdrawal_open_for(request.user)
    form = WithdrawConsentForm(request.POST or None)
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            existing = services.consent_withdraw(candidate=request.user, by=request.user)
        except services.RetentionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your withdrawal of consent is registered."))
            return redirect("retention:withdraw_consent")
    kept = existing.kept if existing else selectors.what_is_kept(candidate=request.user, today=timezone.localdate())
    context = {"form": form, "withdrawal": existing, "kept": kept, "days": selectors.withdrawal_days()}
    return render(request, "retention/withdraw_consent.html", context)
