"""Two accounts of one person made one."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from qac.accounts.roles import Role, has_role, is_qac_staff

from ..models import (
    OPEN_STATUSES,
    AccountMerge,
    Application,
    CandidateProfile,
    ChangeRequestStatus,
    IdentityChangeRequest,
)
from ..signals import accounts_merged
from .rules import ApplicationError, IllegalTransition


class MergeRefused(ApplicationError):
    pass


def accounts_merge(*, kept, duplicate, by, reason: str) -> AccountMerge:
    """Make two accounts of one person one: the duplicate's applications (with their documents and
    history), change requests and, downstream, issued documents move to ``kept``; the duplicate is
    deactivated. Recorded with what moved.

    Refused when both hold an open application for the same qualification: which one the person
    goes on with is a decision on an application (withdraw or refuse one first), not something a
    merge may choose silently; it would also break the one-open-application rule.
    """
    if not is_qac_staff(by):
        raise IllegalTransition(_("Only the center's staff merge accounts."))
    reason = (reason or "").strip()
    if not reason:
        raise MergeRefused(_("Say why the two accounts are one person's: the merge is recorded with it."))
    if kept.pk == duplicate.pk:
        raise MergeRefused(_("Choose two different accounts."))
    with transaction.atomic():
        kept, duplicate = _merge_lock_accounts(kept=kept, duplicate=duplicate)
        _merge_refuse_open_clash(kept=kept, duplicate=duplicate)
        kept_profile = CandidateProfile.objects.select_for_update().filter(user=kept).first()
        dup_profile = CandidateProfile.objects.select_for_update().filter(user=duplicate).first()
        # Both filled in means two different numbers (one SNILS is in one profile only): two people.
        if kept_profile and dup_profile and kept_profile.snils and dup_profile.snils:
            raise MergeRefused(_("The two accounts have different SNILS: they are not one person's."))
        pending = IdentityChangeRequest.objects.filter(
            candidate__in=[kept, duplicate], status=ChangeRequestStatus.SUBMITTED
        )
        if pending.count() > 1:
            raise MergeRefused(_("Both accounts have a change request awaiting a decision: decide one first."))
        moved = _merge_move_rows(kept=kept, duplicate=duplicate, kept_profile=kept_profile, dup_profile=dup_profile)
        duplicate.is_active = False
        duplicate.save(update_fields=["is_active"])
        for _receiver, response in accounts_merged.send(
            sender=AccountMerge, kept_id=kept.pk, duplicate_id=duplicate.pk
        ):
            moved.update(response or {})
        return AccountMerge.objects.create(kept=kept, duplicate=duplicate, by=by, reason=reason, moved=moved)


def _merge_lock_accounts(*, kept, duplicate):
    """Both accounts, locked: candidates' accounts only, neither merged already."""
    User = get_user_model()
    users = {u.pk: u for u in User.objects.select_for_update().filter(pk__in=[kept.pk, duplicate.pk])}
    kept, duplicate = users[kept.pk], users[duplicate.pk]
    for user in (kept, duplicate):
        if is_qac_staff(user) or not has_role(user, Role.CANDIDATE):
            raise MergeRefused(_("Only candidates' accounts are merged: %(email)s is not one.") % {"email": user.email})
    if AccountMerge.objects.filter(duplicate__in=[kept, duplicate]).exists():
        raise MergeRefused(_("One of these accounts was already merged into another."))
    return kept, duplicate


def _merge_refuse_open_clash(*, kept, duplicate) -> None:
    """Refused when both have an open application for one qualification: a merge does not choose between them."""
    kept_open = Application.objects.filter(candidate=kept, status__in=OPEN_STATUSES).values("qualification_id")
    clash = sorted(
        Application.objects.filter(
            candidate=duplicate, status__in=OPEN_STATUSES, qualification_id__in=kept_open
        ).values_list("qualification__code", flat=True)
    )
    if clash:
        raise MergeRefused(
            _(
                "Both accounts have an open application for %(codes)s. Withdraw or decide one of them first: "
                "a merge does not choose which application goes on."
            )
            % {"codes": ", ".join(clash)}
        )


def _merge_move_rows(*, kept, duplicate, kept_profile, dup_profile) -> dict:
    """Move the duplicate's applications, change requests and profile (or its SNILS) to ``kept``; say what moved."""
    moved = {
        "applications": list(
            Application.objects.filter(candidate=duplicate).order_by("pk").values_list("pk", flat=True)
        ),
        "change_requests": list(
            IdentityChangeRequest.objects.filter(candidate=duplicate).order_by("pk").values_list("pk", flat=True)
        ),
        "profile": False,
        "snils": False,
    }
    Application.objects.filter(candidate=duplicate).update(candidate=kept)
    IdentityChangeRequest.objects.filter(candidate=duplicate).update(candidate=kept)
    if dup_profile and not kept_profile:
        dup_profile.user = kept
        dup_profile.save(update_fields=["user"])
        moved["profile"] = True
    elif dup_profile and kept_profile and dup_profile.snils and not kept_profile.snils:
        snils, dup_profile.snils = dup_profile.snils, ""
        dup_profile.save(update_fields=["snils"])
        kept_profile.snils = snils
        kept_profile.save(update_fields=["snils"])
        moved["snils"] = True
    return moved
