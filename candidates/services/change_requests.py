"""Identity changes after submission: the change request's state machine.

The request's life: submitted by the candidate (amended by a further change while it waits),
then approved or refused by the staff. One table, one door (``_change_request_move``, through
``qac.statemachine.move``), a history row for every move.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qac.accounts.roles import is_qac_staff
from qac.statemachine import Machine, move

from ..models import (
    CHANGE_REQUEST_FIELDS,
    IDENTITY_OPEN_STATUSES,
    REGISTER_STATUSES,
    ApplicantIdentity,
    ChangeRequestStatus,
    IdentityChangeRequest,
    IdentityChangeTransition,
)
from ..selectors import identity_bound_applications
from ..signals import identity_change_approved
from ..uploads import inspect_upload
from .rules import CANDIDATE, STAFF, ApplicationError, IllegalTransition, StaleApplication

CHANGE_TRANSITIONS: dict[tuple[str, str], str] = {
    ("", ChangeRequestStatus.SUBMITTED): CANDIDATE,
    (ChangeRequestStatus.SUBMITTED, ChangeRequestStatus.SUBMITTED): CANDIDATE,  # amended
    (ChangeRequestStatus.SUBMITTED, ChangeRequestStatus.APPROVED): STAFF,
    (ChangeRequestStatus.SUBMITTED, ChangeRequestStatus.REFUSED): STAFF,
}
_DATE_FIELDS = {"date_of_birth", "id_doc_issued_on"}

CHANGE_REQUEST = Machine(
    model=IdentityChangeRequest,
    history=IdentityChangeTransition,
    table=CHANGE_TRANSITIONS,
    error=IllegalTransition,
    refusal=gettext_lazy("A change request that is «%(status)s» cannot become «%(to)s»."),
    stale=gettext_lazy("Someone else has handled this change request in the meantime; nothing was applied."),
    stale_error=StaleApplication,
)


class ChangeRequestNeedsDocument(ApplicationError):
    pass


def _change_request_record(*, user, before: dict, after: dict, supporting_file) -> IdentityChangeRequest | None:
    """The change request a profile save calls for: opened, amended, or the waiting one as it is.

    None when no request waits and no application under way or certificate holds the changed data.
    """
    changed = [f for f in CHANGE_REQUEST_FIELDS if before[f] != after[f]]
    bound = identity_bound_applications(user=user, changed=changed)
    pending = IdentityChangeRequest.objects.filter(candidate=user, status=ChangeRequestStatus.SUBMITTED).first()
    if pending is None and not bound:
        return None
    file_fields = _supporting_file_fields(supporting_file)
    if pending is None:
        return _change_request_open(
            user=user, before=before, after=after, bound=bound, supporting_file=supporting_file, file_fields=file_fields
        )
    if not changed:
        return pending
    return _change_request_amend(
        request=pending,
        by=user,
        changes={f: after[f] for f in changed},
        bound=bound,
        supporting_file=supporting_file,
        file_fields=file_fields,
    )


def _supporting_file_fields(supporting_file) -> dict:
    """The checked proof's name, type and hash, as the request keeps them; none without a file."""
    if not supporting_file:
        return {}
    try:
        content_type, sha256 = inspect_upload(supporting_file)
    except ValidationError as exc:
        raise ChangeRequestNeedsDocument(" ".join(exc.messages)) from None
    return {
        "supporting_name": (supporting_file.name or "")[:255],
        "supporting_content_type": content_type,
        "supporting_sha256": sha256,
    }


def _change_request_amend(
    *, request: IdentityChangeRequest, by, changes: dict, bound, supporting_file, file_fields: dict
) -> IdentityChangeRequest:
    """A further change while one waits: the request now asks for the latest data."""
    after_full = {**request.after, **changes}

    def amend(locked):
        locked.after = after_full
        if supporting_file:
            locked.supporting_file.save("supporting", supporting_file, save=False)
            for field, value in file_fields.items():
                setattr(locked, field, value)
        locked.applications.add(*bound)
        return {"after": after_full, "file": bool(supporting_file)}

    return _change_request_move(request=request, to=ChangeRequestStatus.SUBMITTED, by=by, actor=CANDIDATE, effect=amend)


def _change_request_open(
    *, user, before: dict, after: dict, bound, supporting_file, file_fields: dict
) -> IdentityChangeRequest:
    """A new request, with the document that proves the change, bound to the applications holding the old data."""
    if not supporting_file:
        raise ChangeRequestNeedsDocument(
            _(
                "Your application under way or your certificate holds the data you are changing: attach the "
                "document that proves the change (e.g. a marriage certificate or the new passport)."
            )
        )
    request = IdentityChangeRequest(candidate=user, before=before, after=after, **file_fields)
    request.supporting_file.save("supporting", supporting_file, save=False)
    if not CHANGE_REQUEST.allows("", ChangeRequestStatus.SUBMITTED, CANDIDATE):  # pragma: no cover - the table says so
        raise IllegalTransition("")
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        # Another save of the same profile opened one a moment ago.
        raise ApplicationError(
            _("Your profile was being saved elsewhere at the same moment. Open it again and check the data.")
        ) from None
    request.applications.set(bound)
    IdentityChangeTransition.objects.create(
        request=request,
        from_status="",
        to_status=ChangeRequestStatus.SUBMITTED,
        by=user,
        data={"before": before, "after": after, "applications": [a.pk for a in bound]},
    )
    return request


def _change_request_move(
    *,
    request: IdentityChangeRequest,
    to: str,
    by,
    actor: str,
    note: str = "",
    expected_version: int | None = None,
    changes: dict | None = None,
    effect=None,
) -> IdentityChangeRequest:
    """The one door for a change request: checks the table, moves it, writes the history row, in one transaction.

    ``effect(locked)`` runs inside, before the history row; what it returns is recorded with it.
    """

    def details(locked) -> dict:
        return {"data": (effect(locked) if effect else None) or {}}

    move(
        CHANGE_REQUEST,
        request,
        to,
        by=by,
        actor=actor,
        note=note,
        expected_version=expected_version,
        changes=changes,
        effect=details,
    )
    request.refresh_from_db()
    return request


def _identity_value(field: str, value: str):
    return datetime.date.fromisoformat(value) if field in _DATE_FIELDS and value else value


def change_request_approve(
    *, request: IdentityChangeRequest, by, note: str = "", expected_version: int | None = None
) -> IdentityChangeRequest:
    """Carry the change into the identity of the applications still before their exam; announce it after commit.

    Applications whose exam is over keep the identity the exam was taken with (what was assessed and
    decided), except the SNILS, which the register's record needs; for a certificate and a change of
    name the certificates app starts the duplicate procedure on the announcement.
    """
    if not is_qac_staff(by):
        raise IllegalTransition(_("Only the center's staff decide on change requests."))

    def carry(locked):
        fields = locked.changed_fields
        carried = []
        identities = (
            ApplicantIdentity.objects.select_for_update()
            .filter(application__in=locked.applications.all())
            .select_related("application")
        )
        for identity in identities.order_by("pk"):
            status = identity.application.status
            if status in IDENTITY_OPEN_STATUSES:
                apply = fields
            elif status in REGISTER_STATUSES:
                apply = [f for f in fields if f == "snils"]
            else:
                apply = []
            for field in apply:
                setattr(identity, field, _identity_value(field, locked.after[field]))
            if apply:
                identity.save()
                carried.append(identity.application_id)
        return {"before": locked.before, "after": locked.after, "fields": fields, "identities": carried}

    with transaction.atomic():
        approved = _change_request_move(
            request=request,
            to=ChangeRequestStatus.APPROVED,
            by=by,
            actor=STAFF,
            note=(note or "").strip(),
            expected_version=expected_version,
            changes={"decided_at": timezone.now(), "decided_by": by, "decision_note": (note or "").strip()},
            effect=carry,
        )
        pk = approved.pk
        transaction.on_commit(lambda: identity_change_approved.send(sender=IdentityChangeRequest, change_request_id=pk))
    return approved


def change_request_refuse(
    *, request: IdentityChangeRequest, by, reason: str, expected_version: int | None = None
) -> IdentityChangeRequest:
    """Refuse: the applications keep the data they hold; the candidate sees the reason."""
    if not is_qac_staff(by):
        raise IllegalTransition(_("Only the center's staff decide on change requests."))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("A refusal must state its reason: the candidate sees it."))
    return _change_request_move(
        request=request,
        to=ChangeRequestStatus.REFUSED,
        by=by,
        actor=STAFF,
        note=reason,
        expected_version=expected_version,
        changes={"decided_at": timezone.now(), "decided_by": by, "decision_note": reason},
    )
