"""Every URL of the foundation, walked by every persona.

A page either answers the persona, sends it to log in, or refuses it; and a
refused request changes nothing.
"""

import pytest
from django.urls import reverse

from standards.models import Qualification
from tests.helpers.access import PERSONAS

pytestmark = pytest.mark.django_db

PUBLIC = ["home", "standards:catalogue", "healthz", "password_reset"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", PUBLIC)
def test_public_pages_answer_everyone(persona_client, persona, name):
    client, _ = persona_client(persona)
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_qualification_page_answers_everyone(persona_client, persona):
    client, _ = persona_client(persona)
    assert client.get(reverse("standards:qualification", args=["31.00400.02"])).status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_login_page_answers_anonymous_and_sends_users_home(persona_client, persona):
    client, user = persona_client(persona)
    response = client.get(reverse("login"))
    if user is None:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse("home")


@pytest.mark.parametrize("persona", PERSONAS)
def test_password_change_needs_login(persona_client, persona):
    client, user = persona_client(persona)
    response = client.get(reverse("password_change"))
    if user is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 200


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("anonymous", False),
        ("candidate", False),
        ("other_candidate", False),
        ("expert", False),
        ("staff", True),
        ("head", True),
    ],
)
def test_admin_is_for_qac_staff_only(persona_client, persona, allowed):
    client, _ = persona_client(persona)
    response = client.get(reverse("admin:index"))
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("candidate", 302), ("expert", 302), ("staff", 302), ("head", 302)],
)
def test_only_staff_roles_may_edit_a_qualification_and_others_change_nothing(persona_client, persona, expected):
    """Staff and head save (302 to the list); everyone else is sent to log in, and the row is untouched."""
    q = Qualification.objects.get(code="31.00400.02")
    client, _user = persona_client(persona)
    url = reverse("admin:standards_qualification_change", args=[q.pk])
    data = {
        "standard": q.standard_id,
        "code": q.code,
        "name": "Изменено",
        "name_en": q.name_en,
        "level": q.level,
        "is_active": "on",
        "validity_years": q.validity_years,
        "required_documents-TOTAL_FORMS": "0",
        "required_documents-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == expected
    q.refresh_from_db()
    if persona in ("staff", "head"):
        assert q.name == "Изменено"
        assert response["Location"] == reverse("admin:standards_qualification_changelist")
    else:
        assert q.name != "Изменено"
        assert reverse("admin:login") in response["Location"]


def test_staff_cannot_delete_the_center_identity(persona_client):
    client, _ = persona_client("head")
    from standards.models import AssessmentCenter

    center = AssessmentCenter.objects.get()
    response = client.post(reverse("admin:standards_assessmentcenter_delete", args=[center.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert AssessmentCenter.objects.filter(pk=center.pk).exists()


def test_staff_without_head_role_cannot_add_users(persona_client):
    client, _ = persona_client("staff")
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    client, _ = persona_client("head")
    assert client.get(reverse("admin:accounts_user_add")).status_code == 200


def test_there_is_no_public_media_route(client):
    assert client.get("/media/anything.pdf").status_code == 404
