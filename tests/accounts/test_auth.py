import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from qac.accounts.roles import ROLE_PERMISSIONS, Role, has_role, is_qac_staff
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def test_role_groups_exist_with_exactly_their_permissions():
    for role, codes in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.value)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert held == set(codes), role


def test_role_helpers(candidate, expert, staff, head):
    assert has_role(candidate, Role.CANDIDATE) and not is_qac_staff(candidate)
    assert has_role(expert, Role.EXPERT) and not is_qac_staff(expert)
    assert is_qac_staff(staff) and is_qac_staff(head)


def test_login_by_email_in_any_case(client, staff):
    response = client.post(reverse("login"), {"username": staff.email.upper(), "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_wrong_password_shows_a_message_and_does_not_log_in(client, staff):
    response = client.post(reverse("login"), {"username": staff.email, "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only_and_ends_the_session(client, candidate):
    client.force_login(candidate)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_mails_existing_users_and_says_the_same_for_unknown_addresses(client, candidate):
    known = client.post(reverse("password_reset"), {"email": candidate.email})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [candidate.email]
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_password_change_changes_the_password(client, expert):
    client.force_login(expert)
    response = client.post(
        reverse("password_change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": "a-new-Pass-2026!", "new_password2": "a-new-Pass-2026!"},
    )
    assert response.status_code == 302
    expert.refresh_from_db()
    assert expert.check_password("a-new-Pass-2026!")


def test_navigation_shows_administration_only_to_staff(client, candidate, staff):
    client.force_login(candidate)
    assert reverse("admin:index") not in client.get(reverse("home")).content.decode()
    client.force_login(staff)
    assert reverse("admin:index") in client.get(reverse("home")).content.decode()


def test_short_name_is_surname_and_initials(make_user):
    user = make_user(last_name="Иванов", first_name="Иван", patronymic="Петрович")
    assert user.get_short_name() == "Иванов И. П."
    assert user.get_full_name() == "Иванов Иван Петрович"


def test_the_password_reset_link_from_the_worker_sets_a_new_password(client, candidate):
    """The mail is sent by a worker (so the page answers as fast for unknown addresses); its link still works."""
    import re

    client.post(reverse("password_reset"), {"email": candidate.email})
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Brand-new-Pass-2026", "new_password2": "Brand-new-Pass-2026"},
    )
    assert done.status_code == 302
    candidate.refresh_from_db()
    assert candidate.check_password("Brand-new-Pass-2026")
