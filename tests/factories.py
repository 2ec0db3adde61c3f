import datetime

import factory
from django.contrib.auth import get_user_model

from qac.accounts.roles import Role, assign_role
from standards.models import (
    ExamSpecification,
    PracticalCriterion,
    PracticalTask,
    ProfessionalStandard,
    Qualification,
    RequiredDocument,
)

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    first_name = "Иван"
    last_name = factory.Sequence(lambda n: f"Тестов{n}")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        self.save()
        if extracted:
            assign_role(self, Role(extracted))


class ProfessionalStandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProfessionalStandard
        django_get_or_create = ("code",)

    # 900 codes per first part (40.100-40.999, then 41.100 ...): a long run of the suite never leaves the format.
    code = factory.Sequence(lambda n: f"{40 + n // 900}.{100 + n % 900:03d}")
    name = factory.Sequence(lambda n: f"Тестовый стандарт {n}")


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Qualification

    standard = factory.SubFactory(ProfessionalStandardFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.standard.code}00.{n % 100:02d}")
    name = factory.Sequence(lambda n: f"Тестовая квалификация {n}")
    name_en = factory.Sequence(lambda n: f"Test qualification {n}")
    level = 4
    validity_years = 3
    is_active = True


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    qualification = factory.SubFactory(QualificationFactory)
    name = factory.Sequence(lambda n: f"Документ {n}")
    is_mandatory = True


class ExamSpecificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExamSpecification

    qualification = factory.SubFactory(QualificationFactory)
    theory_question_count = 20
    theory_time_limit_minutes = 45
    theory_pass_percent = 70
    # Approved assessment tools by default: sessions for real candidates need them (Order 601n).
    approval_number = "№ 41"
    approval_date = datetime.date(2025, 12, 1)
    bank_approval_number = "№ 41"
    bank_approval_date = datetime.date(2025, 12, 1)


class PracticalTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticalTask

    spec = factory.SubFactory(ExamSpecificationFactory)
    title = factory.Sequence(lambda n: f"Задание {n}")
    time_limit_minutes = 30


class PracticalCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticalCriterion

    task = factory.SubFactory(PracticalTaskFactory)
    text = factory.Sequence(lambda n: f"Критерий {n}")
    max_score = 2


# --- Candidates ----------------------------------------------------------------------------


def valid_snils(n: int) -> str:
    from qac.demo.seed import snils_with_checksum

    return snils_with_checksum(300000000 + n)


class CandidateProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "candidates.CandidateProfile"

    user = factory.SubFactory(UserFactory, role=Role.CANDIDATE)
    date_of_birth = datetime.date(1990, 5, 17)
    snils = factory.Sequence(valid_snils)
    id_doc_type = "passport_ru"
    id_doc_series = "4012"
    id_doc_number = factory.Sequence(lambda n: f"{100000 + n:06d}")
    id_doc_issued_by = "ГУ МВД России"
    id_doc_issued_on = datetime.date(2015, 6, 10)
    phone = "+7 921 000-00-00"
    address = "г. Санкт-Петербург"


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft by default; use ``submitted_application`` etc. in tests/candidates/conftest.py for other states."""

    class Meta:
        model = "candidates.Application"

    candidate = factory.LazyAttribute(lambda o: CandidateProfileFactory().user)
    qualification = factory.LazyFunction(lambda: Qualification.objects.get(code="31.00400.02"))


def pdf_upload(name: str = "passport.pdf", size: int | None = None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = b"%PDF-1.4\n" + b"0" * ((size or 200) - 9)
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def png_upload(name: str = "scan.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png")
