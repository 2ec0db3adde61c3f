import pytest
from django.urls import reverse

from standards.models import Qualification
from tests.factories import PracticalCriterionFactory, QualificationFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db


def test_catalogue_lists_active_qualifications_with_level_documents_and_exam_format(client):
    response = client.get(reverse("standards:catalogue"))
    assert response.status_code == 200
    html = response.content.decode()
    for code in ("31.00700.01", "31.00400.02", "31.00400.03", "31.00400.04"):
        assert code in html
    assert "Автомехатроник по ремонту автотранспортных средств" in html
    assert "Копия документа, удостоверяющего личность" in html
    # Exam format: questions and time for the level 6 qualification.
    spec = Qualification.objects.get(code="31.00400.04").exam_spec
    assert f"{spec.theory_question_count}" in html and f"{spec.theory_time_limit_minutes}" in html


def test_inactive_qualification_is_hidden_from_the_catalogue_and_its_page_is_404(client):
    q = Qualification.objects.get(code="31.00400.03")
    q.is_active = False
    q.save()
    html = client.get(reverse("standards:catalogue")).content.decode()
    assert "31.00400.03" not in html
    assert client.get(reverse("standards:qualification", args=[q.code])).status_code == 404


def test_unknown_qualification_code_is_404_not_500(client):
    for code in ("00.00000.00", "<script>", "31.00400.02%00"):
        assert client.get(f"/qualifications/{code}/").status_code == 404


def test_catalogue_shows_an_empty_state_when_nothing_is_active(client):
    Qualification.objects.update(is_active=False)
    response = client.get(reverse("standards:catalogue"))
    assert response.status_code == 200
    assert 'class="empty-state"' in response.content.decode()


def test_qualification_page_shows_the_card(client):
    response = client.get(reverse("standards:qualification", args=["31.00400.02"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "31.004" in html
    assert "Диагностика электронной системы управления двигателем" in html


def test_text_from_staff_is_escaped_on_public_pages(client):
    q = QualificationFactory(name="<script>alert(1)</script>")
    RequiredDocumentFactory(qualification=q, name="<b>doc</b>")
    html = client.get(reverse("standards:catalogue")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;doc&lt;/b&gt;" in html


def test_catalogue_query_count_does_not_grow_with_qualifications(client, django_assert_max_num_queries):
    url = reverse("standards:catalogue")
    client.get(url)  # warm anything cached per process
    with django_assert_max_num_queries(8) as before:
        client.get(url)
    for _ in range(5):
        criterion = PracticalCriterionFactory()
        q = criterion.task.spec.qualification
        RequiredDocumentFactory(qualification=q)
        RequiredDocumentFactory(qualification=q)
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="card h-100"') == 9
