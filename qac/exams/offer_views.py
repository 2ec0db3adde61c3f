"""Pages for agreeing the exam date (Decree 1204 p.8-9).

They live in the exams app because an offer joins an application and exam
sessions, and candidates never imports exams; their URLs sit under the
candidate's ``/me/applications/<pk>/`` and the staff's
``/staff/applications/<pk>/``, and the candidates pages only link here.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from qac.accounts.decorators import candidate_required, staff_required
from qac.forms_util import form_errors_text

from . import offers
from .forms import DateAnswerForm, DateOfferForm
from .models import DateOfferStatus, ExamSession


def _answer(request, offer, form) -> None:
    """Run the answer ``form`` asks for; the rules' refusal becomes a message, nothing else changes."""
    data = form.cleaned_data
    action, version, text = data["action"], data["version"], data["text"]
    if action not in offers.allowed_actions(offer, request.user) and offer.status == DateOfferStatus.OFFERED:
        messages.error(request, _("This action is not available for this offer."))
        return
    session = ExamSession.objects.filter(pk=data.get("session") or 0).first()
    try:
        if action in ("confirm", "confirm_phone"):
            if session is None:
                raise offers.OfferError(_("Choose one of the sessions offered."))
            offers.date_offer_confirm(
                offer=offer, session=session, by=request.user, note=text, expected_version=version
            )
            messages.success(request, _("The exam date is agreed: the invitation is on its way."))
        elif action in ("decline", "decline_phone"):
            offers.date_offer_decline(offer=offer, by=request.user, comment=text, expected_version=version)
            messages.success(request, _("The center is asked for another date and will offer one."))
        else:
            offers.date_offer_withdraw(offer=offer, by=request.user, reason=text)
            messages.success(request, _("The offer is withdrawn."))
    except offers.OfferError as exc:
        messages.error(request, str(exc))


# --- The candidate -------------------------------------------------------------------------------


def _with_actions(offer_list, user):
    for offer in offer_list:
        offer.actions = offers.allowed_actions(offer, user)
    return offer_list


@candidate_required
def my_date_offer(request, pk: int):
    application, offer_list = offers.offers_for_candidate(user=request.user, application_pk=pk)
    return render(
        request,
        "exams/candidate/date_offer.html",
        {
            "application": application,
            "offers": _with_actions(offer_list, request.user),
            "awaiting_date": offers.offer_allowed(application=application),
        },
    )


@candidate_required
@require_POST
def my_date_offer_answer(request, pk: int):
    offer = offers.offer_get_for_candidate(user=request.user, pk=pk)
    form = DateAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
    elif form.cleaned_data["action"] not in ("confirm", "decline"):
        messages.error(request, _("This action is not available for this offer."))
    else:
        _answer(request, offer, form)
    return redirect("exams:my_date_offer", pk=offer.application_id)


# --- Staff ---------------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def staff_date_offer(request, pk: int):
    application, offer_list = offers.offers_for_staff(user=request.user, application_pk=pk)
    queryset = offers.offerable_sessions(application=application)
    form = DateOfferForm(request.POST or None, queryset=queryset)
    if request.method == "POST" and form.is_valid():
        try:
            offers.date_offer_make(
                application=application,
                sessions=list(form.cleaned_data["sessions"]),
                by=request.user,
                message=form.cleaned_data["message"],
            )
        except offers.OfferError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The dates are offered; the candidate is told."))
            return redirect("exams:staff_date_offer", pk=application.pk)
    return render(
        request,
        "exams/staff/date_offer.html",
        {
            "application": application,
            "offers": _with_actions(offer_list, request.user),
            "form": form,
            "can_offer": offers.offer_allowed(application=application),
        },
        status=400 if form.errors else 200,
    )


@staff_required
@require_POST
def staff_date_offer_action(request, pk: int):
    offer = offers.offer_get_for_staff(user=request.user, pk=pk)
    form = DateAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
    elif form.cleaned_data["action"] not in ("confirm_phone", "decline_phone", "withdraw"):
        messages.error(request, _("This action is not available for this offer."))
    else:
        _answer(request, offer, form)
    return redirect("exams:staff_date_offer", pk=offer.application_id)
