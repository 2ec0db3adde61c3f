import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from standards.models import AssessmentCenter, ExamSpecification, Qualification
from tests.factories import ProfessionalStandardFactory, QualificationFactory

pytestmark = pytest.mark.django_db


def test_data_migration_loads_the_four_qualifications_with_their_levels():
    assert dict(Qualification.objects.values_list("code", "level")) == {
        "31.00700.01": 3,
        "31.00400.02": 5,
        "31.00400.03": 5,
        "31.00400.04": 6,
    }
    assert set(Qualification.objects.values_list("standard__code", flat=True)) == {"31.004", "31.007"}


def test_data_migration_loads_the_center_identity():
    center = AssessmentCenter.objects.get()
    assert center.register_number == "78.033"
    assert "Автопром Северо-Запад" in center.name
    assert center.empowerment_minutes == "№ 30"
    assert center.empowerment_date.isoformat() == "2020-04-25"
    assert "автомобилестроении" in center.council_name


def test_seeded_specifications_are_marked_as_examples_and_complete():
    specs = ExamSpecification.objects.select_related("qualification")
    assert specs.count() == 4
    for spec in specs:
        assert spec.is_example, spec.qualification.code
        assert spec.tasks.exists()
        assert all(task.criteria.exists() for task in spec.tasks.all())
        assert spec.qualification.required_documents.filter(is_mandatory=True).exists()


@pytest.mark.parametrize("code", ["31.00400.09", "01.00100.99"])
def test_valid_qualification_codes_pass_validation(code):
    standard = ProfessionalStandardFactory(code=code[:6])
    q = Qualification(standard=standard, code=code, name="X", level=4)
    q.full_clean()


@pytest.mark.parametrize(
    "code", ["31.004.02", "31.00400.2", "3100400.02", "31.00401.02", "ab.cde00.fg", "31.00400.02 "]
)
def test_malformed_qualification_codes_are_rejected_with_a_message(code):
    q = Qualification(standard=ProfessionalStandardFactory(code="31.004"), code=code, name="X", level=4)
    with pytest.raises(ValidationError) as exc:
        q.full_clean()
    assert "code" in exc.value.message_dict


def test_qualification_code_must_start_with_its_standard_code():
    q = Qualification(standard=ProfessionalStandardFactory(code="40.111"), code="31.00400.09", name="X", level=4)
    with pytest.raises(ValidationError) as exc:
        q.full_clean()
    assert "40.11100." in exc.value.message_dict["code"][0]


@pytest.mark.parametrize("code", ["31.4", "310.04", "31-004", "31.0040"])
def test_malformed_standard_codes_are_rejected(code):
    standard = ProfessionalStandardFactory.build(code=code)
    with pytest.raises(ValidationError) as exc:
        standard.full_clean()
    assert "code" in exc.value.message_dict


@pytest.mark.parametrize("level", [0, 10, 99])
def test_levels_outside_1_to_9_are_rejected_by_validation(level):
    q = QualificationFactory.build(level=level, standard=ProfessionalStandardFactory())
    with pytest.raises(ValidationError) as exc:
        q.full_clean()
    assert "level" in exc.value.message_dict


@pytest.mark.parametrize("level", [1, 9])
def test_levels_at_the_bounds_are_accepted(level):
    q = QualificationFactory.build(level=level, standard=ProfessionalStandardFactory())
    q.full_clean()


def test_database_refuses_a_level_outside_1_to_9_even_past_forms():
    q = QualificationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Qualification.objects.filter(pk=q.pk).update(level=10)
    q.refresh_from_db()
    assert q.level == 4


def test_database_refuses_a_malformed_code_even_past_forms():
    q = QualificationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Qualification.objects.filter(pk=q.pk).update(code="bad")


def test_display_name_follows_the_active_language():
    from django.utils import translation

    q = QualificationFactory(name="Слесарь", name_en="Locksmith")
    with translation.override("ru"):
        assert q.display_name == "Слесарь"
    with translation.override("en"):
        assert q.display_name == "Locksmith"
    q.name_en = ""
    with translation.override("en"):
        assert q.display_name == "Слесарь", "falls back to the Russian name"
