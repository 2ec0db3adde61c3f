"""Changes to who may do what: roles given and taken away, accounts deleted.

Every path that changes a person's role (the user admin, the ``set_role``
command, ``seed_demo``) calls ``role_grant`` / ``role_revoke``, which write a
``RoleChange`` row. The web may never make a head or a superuser: the head
role is given only from the command line by an operator, and superuser
status only by ``createsuperuser``.
"""

import logging

from django.contrib.admin.utils import NestedObjects
from django.contrib.auth.models import Group
from django.db import router, transaction
from django.utils.translation import gettext as _

from .models import RoleChange, User
from .roles import STAFF_ROLES, Role, has_role, user_roles

logger = logging.getLogger(__name__)

#: The roles a head may give or take away in the admin. The head role itself
#: never: a head who could make heads could make an ally or a second self.
ROLES_GRANTED_BY_HEAD = (Role.STAFF, Role.EXPERT, Role.CANDIDATE)


class RoleChangeRefused(Exception):
    """A role change that the acting person may not make."""


class UserOwnsRecords(Exception):
    """The account is referred to by records that must be kept; deactivate it instead."""


def manages_users(user) -> bool:
    """The head (or an operator's superuser account) manages user accounts; nobody else does."""
    return bool(user.is_active and (user.is_superuser or has_role(user, Role.HEAD)))


def user_in_reach(*, actor, user) -> bool:
    """Whether ``actor`` may open and change ``user``'s account on the site.

    Superusers and other heads are out of the head's reach: a head who could
    change their password or rights could become them.
    """
    if actor.is_superuser:
        return True
    if user.is_superuser:
        return False
    return user.pk == actor.pk or not has_role(user, Role.HEAD)


def roles_grantable_by(actor) -> tuple[Role, ...]:
    """The roles ``actor`` may give or take away through the site (never the head role)."""
    return ROLES_GRANTED_BY_HEAD if manages_users(actor) else ()


def _check_site_change(*, user, role: Role, by) -> None:
    if by is None:
        raise RoleChangeRefused("A role change on the site needs the person who makes it.")
    if role not in roles_grantable_by(by) or not user_in_reach(actor=by, user=user) or user.pk == by.pk:
        logger.warning("Refused role change: %s tried to change %s of user %s", by.pk, role, user.pk)
        raise RoleChangeRefused(_("You may not change this role of this user."))


def _sync_is_staff(user) -> None:
    """``is_staff`` opens the admin; it follows the staff roles (superusers keep it)."""
    wanted = user.is_superuser or bool(user_roles(user) & STAFF_ROLES)
    if user.is_staff != wanted:
        user.is_staff = wanted
        User.objects.filter(pk=user.pk).update(is_staff=wanted)


def _change(*, user, role: Role, by, source: str, action: str) -> RoleChange | None:
    role = Role(role)
    if source != RoleChange.Source.COMMAND:
        _check_site_change(user=user, role=role, by=by)
    user.__dict__.pop("_qac_roles", None)
    held = role in user_roles(user)
    if held == (action == RoleChange.Action.GRANTED):
        return None  # nothing to change, nothing to record
    group, _created = Group.objects.get_or_create(name=role.value)
    if action == RoleChange.Action.GRANTED:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    user.__dict__.pop("_qac_roles", None)
    _sync_is_staff(user)
    return RoleChange.objects.create(user=user, role=role.value, action=action, by=by, source=source)


@transaction.atomic
def role_grant(*, user: User, role: Role, by: User | None, source: str) -> RoleChange | None:
    """Give ``user`` the role and record it; ``None`` (and no record) if they already held it.

    ``source`` is ``RoleChange.Source.ADMIN`` for the site, where ``by`` must be
    allowed to grant the role (``roles_grantable_by``), or ``COMMAND`` for an
    operator at the server, where ``by`` is ``None`` and any role may be given.
    """
    return _change(user=user, role=role, by=by, source=source, action=RoleChange.Action.GRANTED)


@transaction.atomic
def role_revoke(*, user: User, role: Role, by: User | None, source: str) -> RoleChange | None:
    """Take the role away and record it; ``None`` (and no record) if the user did not hold it."""
    return _change(user=user, role=role, by=by, source=source, action=RoleChange.Action.REVOKED)


def user_protected_records(user: User) -> list[str]:
    """Names of the kinds of records that keep this account from being deleted (PROTECT)."""
    collector = NestedObjects(using=router.db_for_write(User))
    collector.collect([user])
    return sorted({str(obj._meta.verbose_name_plural) for obj in collector.protected})


@transaction.atomic
def user_delete(*, user: User, by: User) -> None:
    """Delete an account that nothing refers to; raise ``UserOwnsRecords`` otherwise."""
    if not user_in_reach(actor=by, user=user) or user.pk == by.pk:
        raise RoleChangeRefused(_("You may not delete this user."))
    kinds = user_protected_records(user)
    if kinds:
        raise UserOwnsRecords(
            _("%(user)s cannot be deleted: the account is referred to by %(kinds)s. Deactivate it instead.")
            % {"user": user, "kinds": ", ".join(kinds)}
        )
    user.delete()
