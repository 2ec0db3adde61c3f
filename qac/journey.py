"""The candidate's way from the profile to the document, as the stepper on their home shows it.

Profile -> documents -> review -> date -> exam -> decision -> document. Each step is done, current or to
come; the current one carries the next action as a link. The candidate follows their latest application
(the newest one still open, else the newest); the rows come from each app's selectors.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates.models import Application, ApplicationStatus
from candidates.services import CANDIDATE, allowed_application_actions

S = ApplicationStatus
STEPS = (
    ("profile", gettext_lazy("Profile")),
    ("documents", gettext_lazy("Documents")),
    ("review", gettext_lazy("Review")),
    ("date", gettext_lazy("Exam date")),
    ("exam", gettext_lazy("Exam")),
    ("decision", gettext_lazy("Decision")),
    ("document", gettext_lazy("Certificate")),
)
# The step an application in each status is at; the steps before it are done.
STEP_OF_STATUS = {
    S.DRAFT: "documents",
    S.SUBMITTED: "review",
    S.RESUBMITTED: "review",
    S.DOCUMENTS_REQUESTED: "review",
    S.ACCEPTED: "date",
    S.SCHEDULED: "exam",
    S.PASSED: "decision",
    S.FAILED: "decision",
    S.ABSENT: "decision",
}


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    state: str  # "done", "current", "todo"
    number: int


@dataclass(frozen=True)
class Journey:
    steps: list[Step]
    application: Application | None
    action_label: str
    action_url: str
    note: str = ""


def _current(application: Application | None, has_profile: bool, document) -> str:
    if not has_profile:
        return "profile"
    if application is None:
        return "documents"
    if document is not None:
        return "document"
    return STEP_OF_STATUS.get(application.status, "documents")


def _action(application: Application | None, step: str, *, enrolment, document) -> tuple[str, str, str]:
    """(button label, link, a note) for the step the candidate is at."""
    if step == "profile":
        return _("Fill in your profile"), reverse("candidates:profile"), ""
    if application is None:
        return _("Choose a qualification and apply"), reverse("standards:catalogue"), ""
    page = reverse("candidates:application", args=[application.pk])
    status = application.status
    if status == S.DRAFT:
        return _("Attach the documents and submit"), page, ""
    if status == S.DOCUMENTS_REQUESTED:
        return _("Answer the center's request"), page, _("The center asks for more documents.")
    if status in (S.SUBMITTED, S.RESUBMITTED):
        days = settings.QAC_APPLICATION_REVIEW_DAYS
        return (
            _("Open the application"),
            page,
            _("The center reviews your application within %(n)s days.") % {"n": days},
        )
    if status == S.ACCEPTED:
        if "choose_date" in allowed_application_actions(application, actor=CANDIDATE):
            return _("Choose the exam date"), reverse("exams:my_date_offer", args=[application.pk]), ""
        return _("Open the application"), page, _("The center will offer you exam dates.")
    if step == "exam" and enrolment is not None:
        return _("My exam"), reverse("exams:my_exam", args=[enrolment.pk]), ""
    if step == "document" and document is not None:
        return _("My documents"), reverse("home") + "#home-docs", ""
    return _("Open the application"), page, _("The Council for qualifications decides on the results.")


def _progress(application: Application) -> int:
    keys = [k for k, _label in STEPS]
    return keys.index(STEP_OF_STATUS.get(application.status, "documents"))


def journey(*, has_profile: bool, applications: list[Application], enrolments: list, documents: list) -> Journey:
    """The stepper for the candidate's application furthest along; a refused or withdrawn latest one says so."""
    # The open application furthest along (its next step has a deadline), else the newest one.
    open_ones = [a for a in applications if a.is_open]
    application = max(open_ones, key=_progress, default=applications[0] if applications else None)
    note = ""
    if application is not None and application.status in (S.REJECTED, S.WITHDRAWN):
        note = _("Your latest application is %(status)s. You may apply again.") % {
            "status": application.get_status_display().lower()
        }
        application = None
    enrolment = next((e for e in enrolments if application and e.application_id == application.pk), None)
    document = next((d for d in documents if application and d.qualification_id == application.qualification_id), None)
    current = _current(application, has_profile, document)
    label, url, action_note = _action(application, current, enrolment=enrolment, document=document)
    keys = [k for k, _label in STEPS]
    at = keys.index(current)
    steps = [
        Step(k, str(text), "done" if i < at else "current" if i == at else "todo", i + 1)
        for i, (k, text) in enumerate(STEPS)
    ]
    if current == "document":
        steps[-1] = Step(steps[-1].key, steps[-1].label, "done", steps[-1].number)
    return Journey(steps, application, label, url, note or action_note)
