import json

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from candidates.models import IdDocumentType
from qac.accounts.decorators import candidate_required, expert_required, staff_required
from qac.accounts.roles import Role, has_role
from qac.files import private_file_response
from qac.forms_util import form_errors_text

from . import selectors, services
from .forms import (
    CorrectionForm,
    EnrolForm,
    ExtraTimeForm,
    PaperScoreForm,
    PresenceForm,
    ReasonForm,
    RescheduleForm,
    ScoringForm,
    SessionForm,
    SpecialDecisionForm,
)
from .models import SessionStatus


def _error(request, exc):
    messages.error(request, str(exc))


def _run(request, success, service, /, **kwargs) -> None:
    """Call ``service(**kwargs)`` and say ``success`` on the next page, or the refusal an ``ExamError`` carries."""
    try:
        service(**kwargs)
    except services.ExamError as exc:
        _error(request, exc)
    else:
        messages.success(request, success)


def _client(request) -> str:
    # Behind the proxy, REMOTE_ADDR must be the client's (set by the proxy from the connection), as for verification.
    return request.META.get("REMOTE_ADDR") or ""


def _outside_venue(request) -> str:
    """The refusal message when the theory test is asked for from outside ``QAC_THEORY_NETWORKS``; else empty."""
    if services.theory_network_allowed(address=_client(request)):
        return ""
    return _("The theory test can be taken only from the exam venue's network. Ask the staff in the exam room.")


def _refused(request, message: str):
    return render(request, "exams/candidate/theory_refused.html", {"message": message}, status=403)


# --- Staff: sessions ----------------------------------------------------------------------------


@staff_required
def session_list(request):
    status = request.GET.get("status", "")
    if status not in SessionStatus.values:
        status = ""
    todo = request.GET.get("todo", "")
    if todo not in selectors.SESSION_TODO:
        todo = ""
    return render(
        request,
        "exams/staff/session_list.html",
        {
            "sessions": selectors.session_list(status=status, todo=todo),
            "status": status,
            "todo": todo,
            "statuses": SessionStatus.choices,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def session_new(request):
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_create(
                by=request.user,
                qualification=data["qualification"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                venue_address=data["venue_address"],
                venue_room=data["venue_room"],
                capacity=data["capacity"],
                chair=data["chair"],
                experts=list(data["experts"]),
            )
        except services.ExamError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The session is planned."))
            return redirect("exams:session", pk=session.pk)
    return render(request, "exams/staff/session_new.html", {"form": form}, status=400 if form.errors else 200)


def _session_page(request, session, **extra):
    enrolled = session.live_enrolments
    evaluations = selectors.practical_evaluate_many(session=session, enrolments=enrolled)
    for e in enrolled:
        e.practical = evaluations[e.pk]
    context = {
        "session": session,
        "enrolments": enrolled,
        "enrol_form": extra.get("enrol_form") or EnrolForm(queryset=selectors.enrollable_applications(session=session)),
        "reschedule_form": extra.get("reschedule_form")
        or RescheduleForm(
            initial={
                "starts_at": timezone.localtime(session.starts_at),
                "ends_at": timezone.localtime(session.ends_at),
                "venue_address": session.venue_address,
                "venue_room": session.venue_room,
            }
        ),
        "reason_form": ReasonForm(),
        "paper_form": PaperScoreForm(),
        "special_form": SpecialDecisionForm(),
        "free": session.capacity - len(enrolled),
        "id_document_types": IdDocumentType.choices,
        "actions": services.allowed_session_actions(session, request.user),
    }
    return render(request, "exams/staff/session_detail.html", context, status=extra.get("status", 200))


@staff_required
def session_detail(request, pk: int):
    return _session_page(request, selectors.session_get_for_staff(user=request.user, pk=pk))


def _session_move(*, session, by, data) -> None:
    action = data.get("action")
    if action == "open":
        services.session_open(session=session, by=by)
    elif action == "start":
        services.session_start(session=session, by=by)
    elif action == "complete":
        services.session_complete(session=session, by=by)
    elif action == "cancel":
        form = ReasonForm(data)
        if not form.is_valid():
            raise services.ExamError(_("Say why the session is cancelled: the candidates are told."))
        services.session_cancel(session=session, by=by, reason=form.cleaned_data["reason"])
    else:
        raise services.ExamError(_("Unknown action."))


@staff_required
@require_POST
def session_action(request, pk: int):
    session = selectors.session_get_for_staff(user=request.user, pk=pk)
    _run(request, _("Done."), _session_move, session=session, by=request.user, data=request.POST)
    return redirect("exams:session", pk=pk)


@staff_required
@require_POST
def session_reschedule(request, pk: int):
    session = selectors.session_get_for_staff(user=request.user, pk=pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        return _session_page(request, session, reschedule_form=form, status=400)
    moved = _("The session is moved; the candidates get a new invitation.")
    _run(request, moved, services.session_reschedule, session=session, by=request.user, **form.cleaned_data)
    return redirect("exams:session", pk=pk)


@staff_required
@require_POST
def session_enrol(request, pk: int):
    session = selectors.session_get_for_staff(user=request.user, pk=pk)
    form = EnrolForm(request.POST, queryset=selectors.enrollable_applications(session=session))
    if not form.is_valid():
        return _session_page(request, session, enrol_form=form, status=400)
    try:
        created = services.enrol(session=session, applications=list(form.cleaned_data["applications"]), by=request.user)
    except services.ExamError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Enrolled: %(n)s. Invitations are on their way.") % {"n": len(created)})
    return redirect("exams:session", pk=pk)


def _staff_enrolment(request, pk):
    return selectors.enrolment_get_for_staff(user=request.user, pk=pk)


# The enrolment's actions that take a form: the form, the service its fields go to, fixed arguments, and
# the message for an invalid form (None: the form's own errors).
ENROLMENT_FORMS = {
    "present": (PresenceForm, services.mark_presence, {"present": True}, None),
    "extra_time": (ExtraTimeForm, services.enrolment_grant_extra_time, {}, None),
    "unenrol": (ReasonForm, services.unenrol, {}, gettext_lazy("Say why the candidate is taken off the session.")),
    "paper": (PaperScoreForm, services.theory_record_paper, {}, None),
    "special": (SpecialDecisionForm, services.result_set_special, {}, None),
}


def _enrolment_act(*, enrolment, by, data) -> None:
    action = data.get("action")
    if action == "absent_mark":
        services.mark_presence(enrolment=enrolment, by=by, present=False)
    elif action in ENROLMENT_FORMS:
        form_class, service, fixed, invalid = ENROLMENT_FORMS[action]
        form = form_class(data)
        if not form.is_valid():
            raise services.ExamError(str(invalid) if invalid else form_errors_text(form))
        service(enrolment=enrolment, by=by, **fixed, **form.cleaned_data)
    else:
        raise services.ExamError(_("Unknown action."))


@staff_required
@require_POST
def enrolment_action(request, pk: int):
    enrolment = _staff_enrolment(request, pk)
    _run(request, _("Saved."), _enrolment_act, enrolment=enrolment, by=request.user, data=request.POST)
    return redirect("exams:session", pk=enrolment.session_id)


@staff_required
def session_monitor(request, pk: int):
    """The live page of a session's theory test: who is in it, answers given, time left (static/js/monitor.js)."""
    session = selectors.session_get_for_staff(user=request.user, pk=pk, detail=False)
    return render(
        request,
        "exams/staff/monitor.html",
        {"session": session, "rows": selectors.theory_monitor(session=session), "S": SessionStatus},
    )


@staff_required
@never_cache
def session_monitor_data(request, pk: int):
    """The monitor's rows as JSON, polled by the live page."""
    session = selectors.session_get_for_staff(user=request.user, pk=pk, detail=False)
    return JsonResponse(
        {
            "now": timezone.now(),
            "status": session.status,
            "rows": selectors.theory_monitor(session=session),
        }
    )


def protocol_download(request, pk: int):
    """The signed-off protocol: staff, and the experts of that session's commission."""
    session = selectors.session_get_for_staff_or_commission(user=request.user, pk=pk)
    return private_file_response(
        session.protocol, filename=f"protocol-{session.pk}.pdf", content_type="application/pdf"
    )


# --- Experts ----------------------------------------------------------------------------------------


@expert_required
def expert_sessions(request):
    return render(request, "exams/expert/sessions.html", {"sessions": selectors.sessions_for_expert(user=request.user)})


@expert_required
def expert_session(request, pk: int):
    session = selectors.session_get_for_expert(user=request.user, pk=pk)
    chair = selectors.is_chair(session, request.user)
    enrolled = session.live_enrolments
    evaluations = selectors.practical_evaluate_many(session=session, enrolments=enrolled)
    members = list(session.commission.all())
    for e in enrolled:
        e.practical = evaluations[e.pk]
        per_expert = e.practical["per_expert"]
        # Progress: how many experts finished this candidate's sheet; the chair sees each expert's verdict.
        e.scored_by = sum(1 for v in per_expert.values() if v["complete"])
        e.by_expert = [(m.expert.get_full_name(), m.is_chair, per_expert.get(m.expert_id, {})) for m in members]
    return render(
        request,
        "exams/expert/session.html",
        {
            "session": session,
            "enrolments": enrolled,
            "actions": services.allowed_session_actions(session, request.user, chair=chair),
            "is_chair": chair,
            "commission_size": len(members),
            "correction_form": CorrectionForm(),
        },
    )


@expert_required
@require_http_methods(["GET", "POST"])
def expert_score(request, pk: int):
    enrolment = selectors.enrolment_get_for_expert(user=request.user, pk=pk)
    sheet = selectors.scoring_sheet(enrolment=enrolment, expert=request.user)
    form = ScoringForm(request.POST or None, sheet=sheet)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.practical_save_scores(
                    enrolment=enrolment, expert=request.user, scores=form.scores(), comments=form.comments()
                )
            except services.ExamError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Your scores are saved."))
                return redirect("exams:expert_session", pk=enrolment.session_id)
        status = 400
    else:
        status = 200
    context = {"enrolment": enrolment, "rows": form.rows(sheet), "form": form}
    return render(request, "exams/expert/score.html", context, status=status)


@expert_required
@require_POST
def expert_approve(request, pk: int):
    session = selectors.session_get_for_expert(user=request.user, pk=pk)
    approved = _("The results are approved and locked. Documents will be issued.")
    _run(request, approved, services.session_approve, session=session, by=request.user)
    return redirect("exams:expert_session", pk=pk)


@expert_required
@require_POST
def expert_correct(request, pk: int):
    """The chair corrects an approved result, with a reason."""
    result = selectors.result_get_for_expert(user=request.user, pk=pk)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        _error(request, form_errors_text(form))
        return redirect("exams:expert_session", pk=result.enrolment.session_id)
    data = form.cleaned_data
    changes = {"decision": data["decision"]}
    for field in ("theory_percent", "practical_percent"):
        if data.get(field) is not None:
            changes[field] = data[field]
    recorded = _("The correction is recorded.")
    _run(request, recorded, services.result_correct, result=result, by=request.user, reason=data["reason"], **changes)
    return redirect("exams:expert_session", pk=result.enrolment.session_id)


# --- Candidates ----------------------------------------------------------------------------------------


@candidate_required
def my_exam(request, pk: int):
    enrolment = selectors.enrolment_get_for_candidate(user=request.user, pk=pk)
    attempt = getattr(enrolment, "theory_attempt", None) if hasattr(enrolment, "theory_attempt") else None
    # A page load writes nothing: a test whose time ran out is submitted by the beat job within a
    # minute, or at once by the candidate's button (a POST to theory_submit).
    actions = services.allowed_theory_actions(enrolment, attempt, now=timezone.now())
    context = {"enrolment": enrolment, "attempt": attempt, "actions": actions, "S": SessionStatus}
    return render(request, "exams/candidate/my_exam.html", context)


@candidate_required
@require_POST
def theory_start(request, pk: int):
    enrolment = selectors.enrolment_get_for_candidate(user=request.user, pk=pk)
    refusal = _outside_venue(request)
    if refusal:
        return _refused(request, refusal)
    try:
        attempt = services.theory_start(enrolment=enrolment, by=request.user)
    except services.ExamError as exc:
        _error(request, exc)
        return redirect("exams:my_exam", pk=pk)
    return redirect("exams:theory", pk=attempt.pk)


@candidate_required
@never_cache
def theory(request, pk: int):
    attempt = selectors.attempt_get_for_candidate(user=request.user, pk=pk)
    if attempt.submitted_at is not None or attempt.deadline_at <= timezone.now():
        # Submitted, or its time is over (the exam page says so; nothing is written on a GET).
        return redirect("exams:my_exam", pk=attempt.enrolment_id)
    refusal = _outside_venue(request)
    if refusal:
        return _refused(request, refusal)
    return render(
        request,
        "exams/candidate/theory.html",
        {
            "attempt": attempt,
            "questions": selectors.attempt_questions(attempt=attempt),
            "deadline_iso": attempt.deadline_at.isoformat(),
            "ms_left": max(int((attempt.deadline_at - timezone.now()).total_seconds() * 1000), 0),
        },
    )


@never_cache
@require_POST
def theory_answer(request, pk: int):
    """Autosave one answer. JSON in, JSON out; the deadline is the server's, never the browser's."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Log in as the candidate.")}, status=403)
    refusal = _outside_venue(request)
    if refusal:
        return JsonResponse({"error": refusal}, status=403)
    try:
        # The attempt is looked up by its owner: finding it proves the caller is its candidate,
        # so the role is read (one more query) only to say why someone else is refused.
        attempt = selectors.attempt_get_for_candidate(user=request.user, pk=pk, light=True)
    except Http404:
        if not has_role(request.user, Role.CANDIDATE):
            return JsonResponse({"error": _("Log in as the candidate.")}, status=403)
        raise
    if request.content_type != "application/json":
        # A form post (a stale page, a script) is not an answer; its body is not ours to read as JSON.
        return JsonResponse({"error": _("The answer could not be read.")}, status=400)
    try:
        payload = json.loads(request.body or b"{}")
        question_id = int(payload["question"])
        choice_ids = [int(c) for c in payload.get("choices", [])]
        if len(choice_ids) > 50:
            raise ValueError
    except (ValueError, TypeError, KeyError, json.JSONDecodeError):
        return JsonResponse({"error": _("The answer could not be read.")}, status=400)
    valid = selectors.choices_by_question(attempt=attempt, question_id=question_id, chosen=choice_ids)
    try:
        if not valid:
            raise services.ExamError(_("This question is not in your variant."))
        saved = services.theory_save_answer(
            attempt=attempt, question_id=question_id, choice_ids=choice_ids, choices_by_question=valid
        )
    except services.AttemptClosed as exc:
        return JsonResponse({"error": str(exc), "closed": True}, status=409)
    except services.ExamError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    ms_left = max(int((attempt.deadline_at - timezone.now()).total_seconds() * 1000), 0)
    return JsonResponse({"saved": saved, "ms_left": ms_left})


@candidate_required
@require_POST
def theory_submit(request, pk: int):
    attempt = selectors.attempt_get_for_candidate(user=request.user, pk=pk)
    refusal = _outside_venue(request)
    if refusal:
        # Answers already saved stand: the beat job submits the attempt at its deadline.
        return _refused(request, refusal)
    left = attempt.deadline_at - timezone.now()
    # The page submits by itself when its countdown ends ("auto"); clocks and
    # networks differ by a moment, so an automatic post just before the
    # server's deadline counts as the deadline's.
    auto = left.total_seconds() <= 0 or (request.POST.get("auto") == "1" and left.total_seconds() <= 5)
    attempt = services.theory_submit(attempt=attempt, auto=auto)
    messages.success(request, _("Your test is submitted."))
    return redirect(reverse("exams:my_exam", args=[attempt.enrolment_id]))
