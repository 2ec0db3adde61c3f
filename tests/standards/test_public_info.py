"""The public information a center must publish (Decree 1204 p.4, Order 759n), kept as data by the head."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from standards.models import AssessmentCenter, Fee, PublicPage, Qualification
from standards.selectors import fees_in_force

pytestmark = pytest.mark.django_db


def test_about_page_is_public_and_shows_the_shipped_examples_marked_as_such(client):
    response = client.get(reverse("about"))
    assert response.status_code == 200
    html = response.content.decode()
    center = AssessmentCenter.objects.get()
    assert center.address in html and center.phone in html and center.email in html
    assert "Пн–Чт 9:00–18:00" in html
    assert center.appeals_address in html and center.appeals_email in html
    assert 'href="https://nok-nark.ru/"' in html
    assert reverse("application_sample") in html
    assert "Порядок подачи апелляции" in html and "Правила проведения профессионального экзамена" in html
    # The migration's values are examples: listed on the center, flagged on each fee and section.
    assert {"address", "phone", "email", "opening_hours", "appeals_address"} <= {
        n.strip() for n in center.example_fields.split(",")
    }
    assert Fee.objects.filter(is_example=False).count() == 0
    assert 'data-testid="center-examples"' in html


def test_about_page_follows_the_database(client):
    center = AssessmentCenter.objects.get()
    center.address = "190000, Санкт-Петербург, Новая ул., 7"
    center.opening_hours = "Пн–Пт 10:00–17:00"
    center.appeals_phone = "+7 (812) 765-43-21"
    center.register_url = "https://register.example/78.033"
    center.example_fields = ""
    center.save()
    page = PublicPage.objects.get(kind=PublicPage.Kind.RULES)
    page.body = "Экзамен начинается ровно в 10:00.\n\nОпоздавшие не допускаются."
    page.is_example = False
    page.save()
    PublicPage.objects.create(kind=PublicPage.Kind.OTHER, title="Скрытый раздел", body="x", is_published=False)

    html = client.get(reverse("about")).content.decode()
    assert "190000, Санкт-Петербург, Новая ул., 7" in html
    assert "Пн–Пт 10:00–17:00" in html and "Пн–Чт 9:00–18:00" not in html
    assert "+7 (812) 765-43-21" in html
    assert 'href="https://register.example/78.033"' in html
    assert "<p>Экзамен начинается ровно в 10:00.</p>" in html
    assert "Скрытый раздел" not in html
    assert 'data-testid="center-examples"' not in html


def test_the_fee_shown_is_the_one_in_force_today(client):
    q = Qualification.objects.get(code="31.00400.02")
    today = timezone.localdate()
    Fee.objects.filter(qualification=q).delete()
    Fee.objects.create(qualification=q, amount=Decimal("11111.00"), valid_from=today - datetime.timedelta(days=400))
    Fee.objects.create(qualification=q, amount=Decimal("12222.00"), valid_from=today)
    Fee.objects.create(qualification=q, amount=Decimal("13333.00"), valid_from=today + datetime.timedelta(days=1))

    assert dict(fees_in_force())[q].amount == Decimal("12222.00")
    assert dict(fees_in_force(today=today - datetime.timedelta(days=1)))[q].amount == Decimal("11111.00")
    html = client.get(reverse("about")).content.decode()
    row = html.split('data-testid="fee-31.00400.02"')[1].split("</tr>")[0]
    assert "12" in row and "222" in row and today.strftime("%d.%m.%Y") in row
    assert "11 111" not in html.replace("\xa0", " ") and "13 333" not in html.replace("\xa0", " ")


def test_a_qualification_without_a_fee_in_force_says_on_request(client):
    q = Qualification.objects.get(code="31.00400.03")
    Fee.objects.filter(qualification=q).update(valid_from=timezone.localdate() + datetime.timedelta(days=30))
    assert dict(fees_in_force())[q] is None
    row = client.get(reverse("about")).content.decode().split('data-testid="fee-31.00400.03"')[1].split("</tr>")[0]
    assert "colspan" in row


def test_about_page_queries_do_not_grow_with_fees(client, django_assert_max_num_queries):
    for q in Qualification.objects.all():
        for days in range(1, 6):
            Fee.objects.create(qualification=q, amount=days, valid_from=timezone.localdate() - datetime.timedelta(days))
    # The session, the center, the qualifications with their fees, the sections.
    with django_assert_max_num_queries(6):
        assert client.get(reverse("about")).status_code == 200


@pytest.mark.parametrize("url_name", ["home", "about", "standards:catalogue", "schedule"])
def test_the_footer_shows_the_contacts_hours_and_register_link(client, url_name):
    center = AssessmentCenter.objects.get()
    center.phone = "+7 (812) 111-22-33"
    center.opening_hours = "Пн–Пт 8:30–17:30"
    center.save()
    html = client.get(reverse(url_name)).content.decode()
    footer = html.split('data-testid="footer-contacts"')[1].split("</address>")[0]
    assert center.address in footer and center.email in footer
    assert "+7 (812) 111-22-33" in footer and "Пн–Пт 8:30–17:30" in footer
    assert 'href="https://nok-nark.ru/"' in footer
    assert reverse("about") in footer and reverse("schedule") in footer


def test_the_sample_application_is_a_pdf_of_the_706n_form_for_anyone(client):
    response = client.get(reverse("application_sample"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client.post(reverse("application_sample")).status_code == 405


# --- Who may edit ----------------------------------------------------------------------------------


def _fee_form(fee, amount):
    return {
        "qualification": fee.qualification_id,
        "amount": amount,
        "valid_from": fee.valid_from.isoformat(),
        "note": fee.note,
    }


@pytest.mark.parametrize("persona", ["anonymous", "candidate", "other_candidate", "expert", "staff", "head"])
def test_only_the_head_edits_fees_in_the_admin_and_others_change_nothing(persona_client, persona):
    fee = Fee.objects.first()
    before = fee.amount
    client, _user = persona_client(persona)
    response = client.post(reverse("admin:standards_fee_change", args=[fee.pk]), _fee_form(fee, "99999.00"))
    fee.refresh_from_db()
    if persona == "head":
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:standards_fee_changelist")
        assert fee.amount == Decimal("99999.00")
    elif persona == "staff":
        # Staff read the prices to answer enquiries; the price is the head's decision.
        assert response.status_code == 403
        assert fee.amount == before
    else:
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
        assert fee.amount == before


@pytest.mark.parametrize("persona", ["staff", "head"])
def test_only_the_head_adds_and_edits_public_sections(persona_client, persona):
    page = PublicPage.objects.get(kind=PublicPage.Kind.APPEALS)
    client, _user = persona_client(persona)
    data = {"kind": "appeals", "title": "Новый порядок", "body": "Текст", "position": 1, "is_published": "on"}
    response = client.post(reverse("admin:standards_publicpage_change", args=[page.pk]), data)
    added = client.post(reverse("admin:standards_publicpage_add"), {**data, "title": "Ещё раздел"})
    page.refresh_from_db()
    if persona == "head":
        assert response.status_code == 302 and added.status_code == 302
        assert page.title == "Новый порядок"
        assert PublicPage.objects.filter(title="Ещё раздел").exists()
        assert client.get(reverse("admin:standards_publicpage_changelist")).status_code == 200
    else:
        assert response.status_code == 403 and added.status_code == 403
        assert page.title != "Новый порядок"
        assert not PublicPage.objects.filter(title="Ещё раздел").exists()
        # They may read them.
        assert client.get(reverse("admin:standards_publicpage_changelist")).status_code == 200


def test_the_center_admin_warns_about_example_values(persona_client):
    client, _user = persona_client("head")
    center = AssessmentCenter.objects.get()
    response = client.get(reverse("admin:standards_assessmentcenter_change", args=[center.pk]), follow=True)
    assert response.status_code == 200
    warnings = [str(m) for m in response.context["messages"]]
    assert any(str(AssessmentCenter._meta.get_field("opening_hours").verbose_name) in m for m in warnings)
