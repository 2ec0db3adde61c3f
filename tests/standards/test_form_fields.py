"""The example values the 725n forms need, shipped by migration 0005, and the admin's warning about them."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from standards.models import Qualification
from standards.selectors import center_get

CODES = ["31.00700.01", "31.00400.02", "31.00400.03", "31.00400.04"]


@pytest.mark.django_db
def test_center_has_example_addresses_and_the_head_signs():
    center = center_get()

    assert "Санкт-Петербург" in center.legal_address
    assert center.council_address
    assert center.signer_name == ""
    assert center.signer_is_deputy is False


@pytest.mark.django_db
@pytest.mark.parametrize("code", CODES)
def test_each_qualification_has_labour_functions_of_its_level_flagged_as_examples(code):
    from qac.certificates.render import labour_functions

    qualification = Qualification.objects.get(code=code)
    rows = labour_functions(qualification.labour_functions)

    assert len(rows) >= 2
    # Every line has a code, and the code's level is the qualification's (C/01.5 for level 5).
    assert all(code_ and code_.endswith(f".{qualification.level}") for code_, _ in rows)
    assert qualification.additional_characteristics
    listed = [name.strip() for name in qualification.example_fields.split(",")]
    assert {"labour_functions", "additional_characteristics", "legal_address"} <= set(listed)


def test_migration_fills_only_empty_fields_and_keeps_listed_examples():
    """Run the data function against stand-in rows: what staff entered stays."""
    import importlib
    from types import SimpleNamespace

    fill = importlib.import_module("standards.migrations.0005_example_form_fields")

    class Rows(list):
        def all(self):
            return self

        def filter(self, code__in):
            return Rows(r for r in self if r.code in code__in)

    saved = []

    def row(**fields):
        obj = SimpleNamespace(**fields)
        obj.save = lambda update_fields: saved.append((getattr(obj, "code", "center"), sorted(update_fields)))
        return obj

    center = row(legal_address="Наш настоящий адрес", council_address="")
    entered = row(
        code="31.00400.02",
        labour_functions="C/01.5 Введено сотрудником",
        additional_characteristics="",
        example_fields="nark_order",
    )
    models = {"AssessmentCenter": Rows([center]), "Qualification": Rows([entered])}
    apps = SimpleNamespace(get_model=lambda app, name: SimpleNamespace(objects=models[name]))

    fill.fill(apps, None)

    assert center.legal_address == "Наш настоящий адрес"
    assert center.council_address == fill.COUNCIL_ADDRESS
    assert entered.labour_functions == "C/01.5 Введено сотрудником"
    assert entered.additional_characteristics == fill.QUALIFICATIONS["31.00400.02"]["additional_characteristics"]
    # The center's legal address was not an example here, so only the filled field is flagged.
    assert entered.example_fields == "nark_order, additional_characteristics"
    assert saved == [
        ("center", ["council_address"]),
        ("31.00400.02", ["additional_characteristics", "example_fields"]),
    ]


@pytest.mark.django_db
def test_admin_change_form_warns_about_example_values(admin_client):
    qualification = Qualification.objects.get(code="31.00400.02")

    response = admin_client.get(reverse("admin:standards_qualification_change", args=[qualification.pk]))

    assert response.status_code == 200
    warnings = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(warnings) == 1
    assert "%(fields)s" not in warnings[0]
    assert "оцениваемые трудовые функции" in warnings[0] or "labour functions assessed" in warnings[0]


@pytest.mark.django_db
def test_admin_change_form_is_quiet_once_examples_are_checked(admin_client):
    qualification = Qualification.objects.get(code="31.00400.02")
    qualification.example_fields = ""
    qualification.save()

    response = admin_client.get(reverse("admin:standards_qualification_change", args=[qualification.pk]))

    assert response.status_code == 200
    assert list(get_messages(response.wsgi_request)) == []
