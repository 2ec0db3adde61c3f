"""User management in the admin, written as the attacks it must withstand.

Issue 11: the head made themselves superuser through the admin and then
deleted results and users. Each test below is one such attempt and asserts
both the answer and that the database did not change.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from qac.accounts.models import RoleChange, User
from qac.accounts.roles import Role, user_roles
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def form_data(client, user) -> dict:
    """What the browser would post back from the user's change page, unchanged."""
    response = client.get(change_url(user))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if field.disabled or value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(n): management[n].value() for n in management.fields})
    return data


def rights(user) -> tuple:
    """Everything about a user that decides what they may do."""
    user = User.objects.get(pk=user.pk)
    return (
        user.is_superuser,
        user.is_staff,
        user.is_active,
        sorted(user.groups.values_list("name", flat=True)),
        sorted(user.user_permissions.values_list("codename", flat=True)),
    )


def _escalations():
    head_group = lambda: [str(Group.objects.get(name=Role.HEAD.value).pk)]  # noqa: E731
    any_perm = lambda: [str(Permission.objects.get(codename="delete_examresult").pk)]  # noqa: E731
    return {
        "is_superuser": lambda: {"is_superuser": "on"},
        "groups": lambda: {"groups": head_group()},
        "user_permissions": lambda: {"user_permissions": any_perm()},
        "roles": lambda: {"roles": [Role.HEAD.value]},
        "is_staff": lambda: {"is_staff": "on"},
    }


@pytest.mark.parametrize("field", list(_escalations()))
@pytest.mark.parametrize("target", ["self", "other"])
def test_head_cannot_grant_superuser_head_or_permissions_through_the_user_form(client, head, candidate, target, field):
    """A tampered POST is refused as a whole (200 with a form error) and nothing is granted."""
    user = head if target == "self" else candidate
    client.force_login(head)
    data = form_data(client, user) | _escalations()[field]()
    before = rights(user)

    response = client.post(change_url(user), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert rights(user) == before
    assert not RoleChange.objects.exists()


def test_the_user_form_offers_no_superuser_group_or_permission_fields_and_no_head_role(client, head, candidate):
    client.force_login(head)
    form = client.get(change_url(candidate)).context["adminform"].form
    assert not {"is_superuser", "groups", "user_permissions", "is_staff"} & set(form.fields)
    assert [value for value, _label in form.fields["roles"].choices] == ["qac_staff", "expert", "candidate"]


def test_head_cannot_change_their_own_roles_or_access(client, head):
    client.force_login(head)
    data = form_data(client, head)
    assert "roles" not in data and "is_active" not in data
    before = rights(head)

    # Unticking "active" cannot be posted for oneself: the field is not there.
    response = client.post(change_url(head), data | {"first_name": "Марина"})

    assert response.status_code == 302
    assert rights(head) == before
    assert User.objects.get(pk=head.pk).first_name == "Марина"


@pytest.fixture
def superuser(make_user):
    return make_user(is_staff=True, is_superuser=True)


@pytest.fixture
def other_head(make_user):
    return make_user(Role.HEAD, is_staff=True)


@pytest.mark.parametrize("target", ["superuser", "other_head"])
def test_head_cannot_open_change_delete_or_reset_the_password_of_a_superuser_or_another_head(
    request, client, head, target
):
    user = request.getfixturevalue(target)
    client.force_login(head)
    before = rights(user)
    password = User.objects.get(pk=user.pk).password

    for name in ("accounts_user_change", "accounts_user_delete", "accounts_user_history", "auth_user_password_change"):
        url = reverse(f"admin:{name}", args=[user.pk])
        assert client.get(url).status_code == 403, name
    assert client.post(reverse("admin:accounts_user_delete", args=[user.pk]), {"post": "yes"}).status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = client.post(password_url, {"password1": "Stolen-pass-2026", "password2": "Stolen-pass-2026"})
    assert response.status_code == 403

    assert User.objects.filter(pk=user.pk).exists()
    assert rights(user) == before
    assert User.objects.get(pk=user.pk).password == password
    listed = client.get(reverse("admin:accounts_user_changelist")).context["cl"].result_list
    assert user not in listed and head in listed


def test_staff_cannot_reach_user_management(client, staff, candidate):
    client.force_login(staff)
    for url in (
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_add"),
        change_url(candidate),
        reverse("admin:auth_user_password_change", args=[candidate.pk]),
        reverse("admin:accounts_rolechange_changelist"),
        reverse("admin:auth_group_changelist"),
    ):
        assert client.get(url).status_code == 403, url
    before = rights(candidate)
    assert client.post(change_url(candidate), {"email": candidate.email, "roles": ["qac_staff"]}).status_code == 403
    assert rights(candidate) == before
    index = client.get(reverse("admin:index"))
    assert "accounts" not in {app["app_label"] for app in index.context["app_list"]}


ADMIN_URLS = [
    ("admin:index", False),
    ("admin:accounts_user_changelist", False),
    ("admin:accounts_user_add", False),
    ("admin:accounts_user_change", True),
    ("admin:accounts_user_delete", True),
    ("admin:accounts_rolechange_changelist", False),
    ("admin:auth_group_changelist", False),
]


@pytest.mark.parametrize("persona", ["anonymous", "candidate", "expert"])
@pytest.mark.parametrize(("name", "with_pk"), ADMIN_URLS)
def test_candidates_experts_and_visitors_get_no_admin_page(persona_client, other_candidate, persona, name, with_pk):
    client, _user = persona_client(persona)
    url = reverse(name, args=[other_candidate.pk] if with_pk else [])
    before = rights(other_candidate)

    for response in (client.get(url), client.post(url, {"post": "yes", "is_superuser": "on"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert rights(other_candidate) == before


def test_head_grants_and_revokes_roles_through_the_admin_and_each_change_is_recorded(client, head, candidate):
    client.force_login(head)
    data = form_data(client, candidate)
    assert data["roles"] == [Role.CANDIDATE.value]

    response = client.post(change_url(candidate), data | {"roles": [Role.EXPERT.value]})

    assert response.status_code == 302
    assert user_roles(User.objects.get(pk=candidate.pk)) == {Role.EXPERT}
    changes = list(RoleChange.objects.order_by("role").values_list("user", "role", "action", "by", "source"))
    assert changes == [
        (candidate.pk, "candidate", "revoked", head.pk, "admin"),
        (candidate.pk, "expert", "granted", head.pk, "admin"),
    ]
    # The history is shown on the user's page, read-only.
    page = client.get(change_url(candidate))
    assert len(page.context["inline_admin_formsets"][0].formset.forms) == 2


def test_granting_staff_opens_the_admin_and_revoking_it_closes_it(client, head, candidate):
    client.force_login(head)
    client.post(change_url(candidate), form_data(client, candidate) | {"roles": ["candidate", "qac_staff"]})
    assert User.objects.get(pk=candidate.pk).is_staff

    client.post(change_url(candidate), form_data(client, candidate) | {"roles": ["candidate"]})
    assert not User.objects.get(pk=candidate.pk).is_staff


def test_a_user_who_owns_records_is_not_deleted_and_the_head_is_told_why(client, head):
    application = ApplicationFactory()
    owner = application.candidate
    client.force_login(head)
    url = reverse("admin:accounts_user_delete", args=[owner.pk])

    for response in (client.get(url), client.post(url, {"post": "yes"})):
        assert response.status_code == 302
        assert response["Location"] == change_url(owner)
    assert User.objects.filter(pk=owner.pk).exists()
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Deactivate" in m or "отключите" in m for m in messages), messages


def test_a_user_without_records_can_be_deleted_by_the_head(client, head, make_user):
    stray = make_user()
    client.force_login(head)
    response = client.post(reverse("admin:accounts_user_delete", args=[stray.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=stray.pk).exists()


def test_the_head_cannot_delete_themselves_and_has_no_bulk_delete(client, head):
    client.force_login(head)
    assert client.post(reverse("admin:accounts_user_delete", args=[head.pk]), {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=head.pk).exists()
    changelist = client.get(reverse("admin:accounts_user_changelist"))
    # delete_selected was the only action: no action form at all.
    assert changelist.context["action_form"] is None


def test_group_admin_is_hidden_from_the_head_and_read_only_for_a_superuser(client, head, superuser):
    group = Group.objects.get(name=Role.STAFF.value)
    client.force_login(head)
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_group_change", args=[group.pk])).status_code == 403

    client.force_login(superuser)
    permissions = set(group.permissions.values_list("pk", flat=True))
    assert client.get(reverse("admin:auth_group_add")).status_code == 403
    response = client.post(reverse("admin:auth_group_change", args=[group.pk]), {"name": "x", "permissions": []})
    assert response.status_code == 403
    assert set(Group.objects.get(pk=group.pk).permissions.values_list("pk", flat=True)) == permissions


def test_role_changes_are_read_only_in_the_admin_for_the_head(client, head, candidate):
    client.force_login(head)
    client.post(change_url(candidate), form_data(client, candidate) | {"roles": ["candidate", "expert"]})
    change = RoleChange.objects.get()

    assert client.get(reverse("admin:accounts_rolechange_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_rolechange_add")).status_code == 403
    assert (
        client.post(reverse("admin:accounts_rolechange_delete", args=[change.pk]), {"post": "yes"}).status_code == 403
    )
    detail = client.post(reverse("admin:accounts_rolechange_change", args=[change.pk]), {"role": "qac_head"})
    assert detail.status_code == 403
    assert RoleChange.objects.get().role == "expert"


@pytest.mark.parametrize("field", ["is_superuser", "groups", "user_permissions", "is_staff"])
def test_head_cannot_add_a_user_with_superuser_status_groups_or_permissions(client, head, field):
    client.force_login(head)
    data = {"email": "new@example.test", "password1": "Long-pass-2026!", "password2": "Long-pass-2026!"}
    data |= _escalations()[field]()

    response = client.post(reverse("admin:accounts_user_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not User.objects.filter(email="new@example.test").exists()


def test_head_adds_a_user_who_holds_nothing_until_given_a_role(client, head):
    client.force_login(head)
    data = {"email": "new@example.test", "password1": "Long-pass-2026!", "password2": "Long-pass-2026!"}
    response = client.post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 302
    user = User.objects.get(email="new@example.test")
    assert rights(user) == (False, False, True, [], [])
    assert user.has_usable_password()
