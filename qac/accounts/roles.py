"""Roles: the four kinds of people who use the system, as Django groups.

This module is the one place that says which permissions each role holds.
Apps further down the pipeline add their permissions to ``ROLE_PERMISSIONS``
by editing this table, so a reviewer sees every role's rights at once.
"""

from enum import StrEnum

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    HEAD = "qac_head"
    STAFF = "qac_staff"
    EXPERT = "expert"
    CANDIDATE = "candidate"


ROLE_LABELS = {
    Role.HEAD: _("QAC head"),
    Role.STAFF: _("QAC staff"),
    Role.EXPERT: _("Expert"),
    Role.CANDIDATE: _("Candidate"),
}

_CATALOGUE_EDIT = [
    "standards.view_assessmentcenter",
    "standards.change_assessmentcenter",
    "standards.view_professionalstandard",
    "standards.add_professionalstandard",
    "standards.change_professionalstandard",
    "standards.view_qualification",
    "standards.add_qualification",
    "standards.change_qualification",
    "standards.view_requireddocument",
    "standards.add_requireddocument",
    "standards.change_requireddocument",
    "standards.delete_requireddocument",
    "standards.view_examspecification",
    "standards.add_examspecification",
    "standards.change_examspecification",
    "standards.view_practicaltask",
    "standards.add_practicaltask",
    "standards.change_practicaltask",
    "standards.delete_practicaltask",
    "standards.view_practicalcriterion",
    "standards.add_practicalcriterion",
    "standards.change_practicalcriterion",
    "standards.delete_practicalcriterion",
]

# What the center publishes beyond its identity (prices, its exam rules, the appeals procedure)
# is the head's decision: the head edits it, staff read it to answer enquiries.
_PUBLIC_INFO_EDIT = [
    "standards.view_fee",
    "standards.add_fee",
    "standards.change_fee",
    "standards.delete_fee",
    "standards.view_publicpage",
    "standards.add_publicpage",
    "standards.change_publicpage",
    "standards.delete_publicpage",
]
_PUBLIC_INFO_READ = ["standards.view_fee", "standards.view_publicpage"]

# Staff read applications and profiles in the admin; changes go through the
# review pages, which keep the history.
_APPLICATIONS_READ = [
    "candidates.view_application",
    "candidates.view_candidateprofile",
    "candidates.view_applicationdocument",
    "candidates.view_applicationtransition",
]

# Staff read the exam and document records in the admin; changes go through
# the staff pages, which keep the rules and the history.
_RECORDS_READ = [
    "exams.view_examsession",
    "exams.view_enrolment",
    "exams.view_examresult",
    "exams.view_theoryattempt",
    "exams.view_practicalscore",
    "exams.view_question",
    "exams.add_question",
    "exams.change_question",
    "certificates.view_issueddocument",
    "certificates.view_duplicaterequest",
    "council.view_councilpackage",
    "council.view_councildecision",
    "council.view_councilverdict",
    "registry.view_exportbatch",
    "registry.view_exportrecord",
]

# Contracts and payments change through the contract pages; the admin shows them read-only.
_CONTRACTS_READ = [
    "contracts.view_payer",
    "contracts.view_contract",
    "contracts.view_payment",
    "contracts.view_bankstatement",
    "contracts.view_bankdetails",
]
# The center's bank details on contracts and invoices are the head's to keep, like the prices.
_BANK_DETAILS_EDIT = ["contracts.add_bankdetails", "contracts.change_bankdetails"]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    # The head signs documents and manages staff accounts on top of staff work.
    Role.HEAD: [
        *_CATALOGUE_EDIT,
        *_PUBLIC_INFO_EDIT,
        *_APPLICATIONS_READ,
        *_RECORDS_READ,
        *_CONTRACTS_READ,
        *_BANK_DETAILS_EDIT,
        # The head answers for personal data (152-FZ) and audits who saw it.
        "candidates.view_personaldataaccess",
        # Accounts only, never the head role or superuser status (accounts/services.py);
        # an account that records refer to is deactivated, not deleted.
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.delete_user",
        "accounts.view_rolechange",
        # Sign-in lockouts (django-axes): the head reads them and unlocks an
        # account by deleting its access attempts in the admin.
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accesslog",
    ],
    # Staff do not see the user accounts: managing them is the head's alone.
    Role.STAFF: [*_CATALOGUE_EDIT, *_PUBLIC_INFO_READ, *_APPLICATIONS_READ, *_RECORDS_READ, *_CONTRACTS_READ],
    Role.EXPERT: [],
    Role.CANDIDATE: [],
}

STAFF_ROLES = frozenset({Role.HEAD, Role.STAFF})


def _permissions(codes: list[str]) -> list[Permission]:
    wanted = {tuple(code.split(".", 1)) for code in codes}
    perms = [
        p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in={codename for _, codename in wanted}
        )
        if (p.content_type.app_label, p.codename) in wanted
    ]
    found = {(p.content_type.app_label, p.codename) for p in perms}
    missing = wanted - found
    if missing:
        raise LookupError(f"Unknown permissions in ROLE_PERMISSIONS: {sorted(missing)}")
    return perms


def sync_role_groups(sender=None, apps=None, **kwargs) -> None:
    """Create the role groups and set their permissions to exactly the table above.

    Connected to ``post_migrate``, which Django sends once per app after
    ``migrate``; the permissions of every app exist only at the last of
    those, so the work is done then, and an unknown permission fails loudly.
    """
    from django.apps import apps as global_apps

    with_models = [c for c in global_apps.get_app_configs() if c.models_module is not None]
    if sender is not None and with_models and sender is not with_models[-1]:
        return
    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        group.permissions.set(_permissions(codes))


def user_roles(user) -> frozenset[Role]:
    """The roles a user holds, read once per request and cached on the user."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_qac_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(r for r in Role if r.value in names)
        user._qac_roles = cached
    return cached


def has_role(user, *roles: Role) -> bool:
    return bool(user_roles(user) & set(roles))


def is_qac_staff(user) -> bool:
    """Head or staff of the center: the people who run the procedure."""
    return has_role(user, *STAFF_ROLES)


def assign_role(user, role: Role) -> None:
    """Add the role's group, without a record.

    For accounts coming into being with their role: a candidate signing up,
    demo bulk data, test factories. A change of an existing person's role
    goes through ``qac.accounts.services.role_grant``, which records it.
    """
    group, _created = Group.objects.get_or_create(name=role.value)
    user.groups.add(group)
    user.__dict__.pop("_qac_roles", None)
