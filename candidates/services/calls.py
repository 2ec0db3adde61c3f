"""Calls owed to candidates who asked to be told by phone, and the claim on a status change's e-mail."""

from django.utils import timezone
from django.utils.translation import gettext as _

from qac.accounts.roles import is_qac_staff

from ..models import Application, ApplicationTransition, CallTask, NotifyBy
from .rules import ApplicationError, IllegalTransition


def call_task_add(
    *, application: Application, event: str, detail: str = "", transition: ApplicationTransition | None = None
) -> CallTask | None:
    """Owe the candidate a call about ``event`` if they chose the phone; None when they chose e-mail.

    Called inside the transaction of the event itself (the exams and certificates apps call it too).
    """
    if application.notify_by != NotifyBy.PHONE:
        return None
    return CallTask.objects.create(application=application, event=event, detail=detail[:500], transition=transition)


def call_task_done(*, task: CallTask, by, note: str = "") -> CallTask:
    """Record that the candidate was called: who and when. A second click is refused, not repeated."""
    if not is_qac_staff(by):
        raise IllegalTransition(_("Only the center's staff call candidates."))
    done = CallTask.objects.filter(pk=task.pk, called_at__isnull=True).update(
        called_at=timezone.now(), called_by=by, note=(note or "").strip()[:500]
    )
    task.refresh_from_db()
    if not done:
        raise ApplicationError(
            _("This call was already recorded by %(who)s at %(at)s.")
            % {"who": task.called_by, "at": timezone.localtime(task.called_at).strftime("%d.%m.%Y %H:%M")}
        )
    return task


def notification_claim(*, transition_id: int) -> bool:
    """Claim a transition's e-mail for sending; False if it was sent (or is being sent) already.

    The conditional UPDATE is atomic, so of two deliveries of the same task
    only one sends; a failed send releases the claim for the retry.
    """
    return bool(
        ApplicationTransition.objects.filter(pk=transition_id, notified_at__isnull=True).update(
            notified_at=timezone.now()
        )
    )


def notification_release(*, transition_id: int) -> None:
    ApplicationTransition.objects.filter(pk=transition_id).update(notified_at=None)
