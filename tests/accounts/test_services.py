"""Role changes: one service for every path, and the site can never make a head."""

import pytest
from django.core.management import CommandError, call_command

from qac.accounts.models import RoleChange, User
from qac.accounts.roles import Role, user_roles
from qac.accounts.services import RoleChangeRefused, role_grant, role_revoke

pytestmark = pytest.mark.django_db

ADMIN, COMMAND = RoleChange.Source.ADMIN, RoleChange.Source.COMMAND


@pytest.mark.parametrize("actor", ["head", "superuser"])
def test_nobody_grants_the_head_role_on_the_site(request, make_user, candidate, actor):
    by = make_user(is_staff=True, is_superuser=True) if actor == "superuser" else request.getfixturevalue(actor)
    with pytest.raises(RoleChangeRefused):
        role_grant(user=candidate, role=Role.HEAD, by=by, source=ADMIN)
    assert user_roles(User.objects.get(pk=candidate.pk)) == {Role.CANDIDATE}
    assert not RoleChange.objects.exists()


@pytest.mark.parametrize("actor", ["staff", "expert", "candidate", None])
def test_only_the_head_changes_roles_on_the_site(request, other_candidate, actor):
    by = request.getfixturevalue(actor) if actor else None
    with pytest.raises(RoleChangeRefused):
        role_grant(user=other_candidate, role=Role.EXPERT, by=by, source=ADMIN)
    with pytest.raises(RoleChangeRefused):
        role_revoke(user=other_candidate, role=Role.CANDIDATE, by=by, source=ADMIN)
    assert user_roles(User.objects.get(pk=other_candidate.pk)) == {Role.CANDIDATE}
    assert not RoleChange.objects.exists()


def test_the_head_cannot_change_their_own_roles_nor_another_heads_nor_a_superusers(head, make_user):
    other_head = make_user(Role.HEAD, is_staff=True)
    superuser = make_user(is_staff=True, is_superuser=True)
    for user in (head, other_head, superuser):
        with pytest.raises(RoleChangeRefused):
            role_grant(user=user, role=Role.EXPERT, by=head, source=ADMIN)
    with pytest.raises(RoleChangeRefused):
        role_revoke(user=other_head, role=Role.HEAD, by=head, source=ADMIN)
    assert has_head(other_head) and not RoleChange.objects.exists()


def has_head(user) -> bool:
    return Role.HEAD in user_roles(User.objects.get(pk=user.pk))


def test_a_grant_is_recorded_once_and_a_repeated_grant_records_nothing(head, candidate):
    change = role_grant(user=candidate, role=Role.EXPERT, by=head, source=ADMIN)
    assert (change.user, change.role, change.action, change.by, change.source) == (
        candidate,
        "expert",
        "granted",
        head,
        "admin",
    )
    assert role_grant(user=candidate, role=Role.EXPERT, by=head, source=ADMIN) is None
    assert role_revoke(user=candidate, role=Role.STAFF, by=head, source=ADMIN) is None
    assert RoleChange.objects.count() == 1


def test_set_role_is_how_an_operator_makes_a_head_and_it_is_recorded(make_user, capsys):
    user = make_user(Role.STAFF)
    call_command("set_role", user.email.upper(), "qac_head")

    user.refresh_from_db()
    assert has_head(user) and user.is_staff
    change = RoleChange.objects.get()
    assert (change.role, change.action, change.by, change.source) == ("qac_head", "granted", None, "command")
    assert "recorded" in capsys.readouterr().out

    call_command("set_role", user.email, "qac_head")  # again: nothing to change, nothing recorded
    assert RoleChange.objects.count() == 1

    call_command("set_role", user.email, "qac_head", "--revoke")
    assert not has_head(user)
    assert list(RoleChange.objects.values_list("action", flat=True)) == ["revoked", "granted"]


def test_set_role_refuses_an_unknown_user_or_role(candidate):
    with pytest.raises(CommandError):
        call_command("set_role", "nobody@example.test", "expert")
    with pytest.raises(CommandError):
        call_command("set_role", candidate.email, "superuser")
    assert not RoleChange.objects.exists()


def test_seed_demo_records_the_roles_it_gives_once(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-for-tests-2026")
    call_command("seed_demo")
    head_grants = RoleChange.objects.filter(user__email="head@qac.local")
    assert list(head_grants.values_list("role", "action", "by", "source")) == [("qac_head", "granted", None, "command")]
    count = RoleChange.objects.count()
    call_command("seed_demo")
    assert RoleChange.objects.count() == count
