import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from qac.accounts.roles import Role, user_roles
from qac.demo.seed import DEMO_ACCOUNTS

pytestmark = pytest.mark.django_db

EXPECTED = {
    "head@qac.local": Role.HEAD,
    "staff@qac.local": Role.STAFF,
    "expert1@qac.local": Role.EXPERT,
    "expert2@qac.local": Role.EXPERT,
    "expert3@qac.local": Role.EXPERT,
    **{f"candidate{i}@qac.local": Role.CANDIDATE for i in range(1, 6)},
}


def test_seed_demo_creates_every_account_with_its_role_and_prints_them(capsys, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("seed_demo")
    out = capsys.readouterr().out
    User = get_user_model()
    for email, role in EXPECTED.items():
        user = User.objects.get(email=email)
        assert user_roles(user) == {role}
        assert user.check_password("qac-demo-2026")
        assert email in out
    assert User.objects.get(email="staff@qac.local").is_staff
    assert not User.objects.get(email="candidate1@qac.local").is_staff


def test_seed_demo_is_idempotent_and_keeps_changed_passwords(capsys):
    call_command("seed_demo")
    User = get_user_model()
    staff = User.objects.get(email="staff@qac.local")
    staff.set_password("changed-by-a-tester-1")
    staff.save()
    before = (User.objects.count(), sorted(User.objects.values_list("email", "groups__name")))
    call_command("seed_demo")
    after = (User.objects.count(), sorted(User.objects.values_list("email", "groups__name")))
    assert before == after
    staff.refresh_from_db()
    assert staff.check_password("changed-by-a-tester-1")
    assert "exists" in capsys.readouterr().out


def test_seed_demo_uses_demo_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-pass-9")
    call_command("seed_demo")
    assert get_user_model().objects.get(email="expert2@qac.local").check_password("another-demo-pass-9")


def test_seed_demo_refuses_under_production_settings(settings):
    settings.QAC_DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert not get_user_model().objects.filter(email__endswith="@qac.local").exists()


def test_demo_account_list_matches_the_documented_accounts():
    assert {a.email: a.role for a in DEMO_ACCOUNTS} == EXPECTED
