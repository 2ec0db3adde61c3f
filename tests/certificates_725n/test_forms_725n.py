"""Certificates, their appendices, duplicates and conclusions as Order 725n lays them out.

Each test renders through ``render_batch`` (as the render task does) and reads the PDF back:
the form's fixed words in order, the dates in words, what shares a line, sizes, the font,
and the absence of anything the form does not have (App. 3 p.16).
"""

import datetime
import io
import re
import shutil
import subprocess

import pytest
from PIL import Image
from pypdf import PdfReader

from qac.certificates.models import Kind, NumberSource, Variant
from qac.certificates.render import labour_functions, qr_payload, render_batch
from qac.certificates.verification import read_token
from tests.helpers.forms_725n import (
    LEGAL_ADDRESS,
    NUMBER,
    REGISTER_URL,
    folded,
    font_names,
    for_render,
    page_lines,
    render,
    text_runs,
)

CERTIFICATE_PHRASES = [
    "Совет по профессиональным квалификациям в автомобилестроении",
    "СВИДЕТЕЛЬСТВО О КВАЛИФИКАЦИИ",
    f"Регистрационный номер {NUMBER}",
    "Настоящее свидетельство удостоверяет, что",
    "Соколова",
    "Анна Сергеевна",
    "подтвердил(а) квалификацию",
    "Автомехатроник по ремонту автотранспортных средств (5 уровень квалификации)",
    "Дата выдачи: 5 марта 2026 года",
    "Свидетельство о квалификации действительно до 5 марта 2029 года",
    "Руководитель Центр оценки квалификаций «Автопром Северо-Запад», 78.033, " + LEGAL_ADDRESS,
    "П.С. Громов",
]


def assert_in_order(text: str, phrases: list[str]) -> None:
    at = 0
    for phrase in phrases:
        found = text.find(phrase, at)
        assert found >= 0, f"{phrase!r} missing after position {at} in {text!r}"
        at = found + len(phrase)


def line_with(lines: list[str], start: str) -> str:
    (line,) = [line for line in lines if line.startswith(start)]
    return line


def qr_texts(pdf: bytes) -> list[str]:
    """Decode every QR code embedded in the PDF with zbarimg, as a phone would read the printed page."""
    texts = []
    seen = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for image in page.images:
            # WeasyPrint shares one resource dictionary between a document's pages: count each image once.
            if image.indirect_reference.idnum in seen:
                continue
            seen.add(image.indirect_reference.idnum)
            # One pixel per module in the file: enlarge it and add a quiet zone, as printing does.
            small = image.image.convert("L")
            big = Image.new("L", (small.width * 8 + 80, small.height * 8 + 80), 255)
            big.paste(small.resize((small.width * 8, small.height * 8), Image.NEAREST), (40, 40))
            png = io.BytesIO()
            big.save(png, format="PNG")
            out = subprocess.run(
                [shutil.which("zbarimg") or "zbarimg", "--raw", "-q", "-Sbinary", "-"],
                input=png.getvalue(),
                capture_output=True,
                check=True,
            )
            texts.append(out.stdout.decode("utf-8").removesuffix("\n"))
    return texts


# --- The certificate (App. 1, App. 3 part I) ------------------------------------------------------


def test_certificate_prints_the_forms_words_in_order_with_its_data(make_document, center):
    pages = page_lines(render(make_document()))

    assert len(pages) == 2
    assert_in_order(folded(pages[0]), CERTIFICATE_PHRASES)


def test_certificate_number_and_dates_share_their_labels_lines(make_document, center):
    (first, _) = page_lines(render(make_document()))

    assert line_with(first, "Регистрационный номер") == f"Регистрационный номер {NUMBER}"
    assert line_with(first, "Дата выдачи:") == "Дата выдачи: 5 марта 2026 года"
    assert (
        line_with(first, "Свидетельство о квалификации действительно до")
        == "Свидетельство о квалификации действительно до 5 марта 2029 года"
    )


def test_certificate_prints_surname_and_name_with_patronymic_on_separate_lines(make_document, center):
    (first, _) = page_lines(render(make_document()))

    at = first.index("Соколова")
    assert first[at + 1] == "Анна Сергеевна"


def test_certificate_has_no_additional_records(make_document, center):
    """No check-the-certificate caption, no link text, no exam date, no register note, no captions (p.2, p.16)."""
    text = folded([line for page in page_lines(render(make_document())) for line in page])

    for extra in ("http", "register.invalid", "Дата экзамена", "4 марта 2026", "Провер", "nok-nark", "ЦОК"):
        assert extra not in text
    for caption in ("(фамилия", "(наименование", "(подпись)", "(инициалы", "(дата)"):
        assert caption not in text


def test_certificate_names_holder_at_20pt_or_more_and_nothing_under_10pt(make_document, center):
    runs = text_runs(render(make_document()))

    sizes = dict(runs)
    assert sizes["Соколова"] >= 20
    assert sizes["Анна Сергеевна"] >= 20
    small = [(text, size) for text, size in runs if size < 10]
    assert small == []


def test_certificate_uses_liberation_serif_only(make_document, center):
    fonts = font_names(render(make_document()))

    assert fonts and all(name.startswith("Liberation-Serif") for name in fonts), fonts


def test_slash_before_the_head_when_a_deputy_signs(make_document, center):
    center.signer_name = "О.И. Лебедева"
    center.signer_is_deputy = True
    center.save()

    first, appendix = page_lines(render(make_document()))

    assert line_with(first, "/Руководитель").startswith("/Руководитель Центр оценки квалификаций")
    assert "О.И. Лебедева" in folded(first)
    assert "П.С. Громов" not in folded(first)
    assert "/Руководитель центра оценки квалификаций О.И. Лебедева" in folded(appendix)


def test_no_slash_when_the_head_signs(make_document, center):
    text = folded([line for page in page_lines(render(make_document())) for line in page])

    assert "/Руководитель" not in text
    assert "Руководитель центра оценки квалификаций П.С. Громов" in text


# --- The duplicate (App. 3 part II) -------------------------------------------------------------------


def test_duplicate_says_so_first_in_28pt_with_its_own_number_and_date(make_document, center):
    original = make_document()
    duplicate = make_document(
        result=original.result,
        variant=Variant.DUPLICATE,
        original=original,
        number="31.00400.02.00000123.26",
        register_url="https://register.invalid/records/123",
        issue_date=datetime.date(2026, 11, 12),
    )

    pdf = render(duplicate)
    first, appendix = page_lines(pdf)

    assert first[0] == "ДУБЛИКАТ"
    assert text_runs(pdf)[0] == ("ДУБЛИКАТ", 28.0)
    assert_in_order(folded(first), ["ДУБЛИКАТ", *CERTIFICATE_PHRASES[:2]])
    assert line_with(first, "Регистрационный номер") == "Регистрационный номер 31.00400.02.00000123.26"
    assert line_with(first, "Дата выдачи:") == "Дата выдачи: 12 ноября 2026 года"
    assert NUMBER not in folded(first + appendix)
    assert "ДУБЛИКАТ" not in folded(page_lines(render(original))[0])


# --- The appendix ----------------------------------------------------------------------------------


def test_appendix_prints_number_holder_and_the_nine_columns(make_document, center, qualification):
    (_, appendix) = page_lines(render(make_document()))
    text = folded(appendix)

    assert line_with(appendix, "Регистрационный номер свидетельства") == (
        f"Регистрационный номер свидетельства о квалификации {NUMBER}"
    )
    assert "Соколова Анна Сергеевна" in appendix  # on a line of its own
    assert "1 2 3 4 5 6 7 8 9" in appendix
    assert_in_order(
        text,
        [
            "Приложение к свидетельству о квалификации",
            "Регистрационный номер свидетельства о квалификации",
            "Фамилия, имя, отчество (при наличии) обладателя свидетельства",
            "Соколова Анна Сергеевна",
            "Положения профессионального стандарта",
            "1 2 3 4 5 6 7 8 9",
            "31.00400.02",
            "31.004 «Специалист по",
            "утвержден",
            "C/01.5 Диагностика электронных",
            "C/02.5 Ремонт и регулировка",
            "Работа с диагностическим оборудованием без кода",
            "Руководитель центра оценки квалификаций П.С. Громов",
        ],
    )


def test_appendix_is_a_landscape_page_at_10pt_or_more(make_document, center):
    pdf = render(make_document())
    pages = PdfReader(io.BytesIO(pdf)).pages

    portrait, landscape = (page.mediabox for page in pages)
    assert portrait.width < portrait.height
    assert landscape.width > landscape.height
    assert min(size for _, size in text_runs(pdf)) >= 10


def test_labour_functions_split_code_from_name_and_keep_lines_without_a_code_whole():
    text = "C/01.5 Диагностика систем\n\n  A/02.3.1 Сборка узлов  \nРабота без кода C/01.5\n"

    assert labour_functions(text) == [
        ("C/01.5", "Диагностика систем"),
        ("A/02.3.1", "Сборка узлов"),
        ("", "Работа без кода C/01.5"),
    ]
    assert labour_functions("") == []


# --- The conclusion (App. 4) ------------------------------------------------------------------------


@pytest.fixture
def conclusion(make_document):
    return make_document(
        kind=Kind.CONCLUSION,
        number="31.00400.02.00000018.26",
        register_url="https://register.invalid/records/18",
        valid_until=None,
        exam_days=(datetime.date(2026, 3, 4), datetime.date(2026, 3, 5)),
        recommendations=(
            "Изучить устройство электронных систем управления двигателем. Повторить: Электрооборудование. "
            "Отработать: чтение кодов неисправностей."
        ),
        gaps=[
            {"kind": "topic", "text": "Электрооборудование"},
            {"kind": "criterion", "text": "Диагностика: чтение кодов неисправностей"},
            {"kind": "incident", "text": "Пользовался телефоном"},
        ],
    )


def test_conclusion_prints_the_forms_words_in_order_with_its_data(conclusion, center):
    (page,) = page_lines(render(conclusion))

    assert_in_order(
        folded(page),
        [
            "ЗАКЛЮЧЕНИЕ",
            "о прохождении профессионального экзамена",
            "Регистрационный номер 31.00400.02.00000018.26 Дата выдачи 5 марта 2026 года",
            "Соискатель Соколова Анна Сергеевна",
            "в период с «4» марта 2026 г. по «5» марта 2026 г.",
            "проходил профессиональный экзамен по квалификации",
            "Автомехатроник по ремонту автотранспортных средств (5 уровень квалификации)",
            "По результатам профессионального экзамена квалификация не подтверждена.",
            "В целях успешного прохождения профессионального экзамена по данной квалификации соискателю РЕКОМЕНДУЕТСЯ:",
            "Изучить устройство электронных систем управления двигателем. Повторить: Электрооборудование.",
            "Отработать: чтение кодов неисправностей.",
            "Руководитель Центр оценки квалификаций «Автопром Северо-Запад», 78.033, " + LEGAL_ADDRESS,
            "П.С. Громов",
        ],
    )
    assert line_with(page, "Регистрационный номер").startswith("Регистрационный номер 31.00400.02.00000018.26 Дата")
    for extra in ("http", "Пользовался телефоном", "апелляц", "Дата экзамена"):
        assert extra not in folded(page)
    # The gaps are the recommendation's source, not printed a second time.
    assert "Диагностика: чтение кодов неисправностей" not in folded(page)


def test_conclusion_without_the_session_loaded_uses_the_exam_date_and_adds_no_query(
    conclusion, center, django_assert_num_queries
):
    from qac.certificates.models import IssuedDocument

    document = IssuedDocument.objects.select_related("qualification__standard").get(pk=conclusion.pk)
    with django_assert_num_queries(1):  # the center
        pdf = render_batch([document])[document.pk]

    assert "в период с «4» марта 2026 г. по «4» марта 2026 г." in folded(page_lines(pdf)[0])


def test_a_batch_renders_with_one_query_whatever_its_size(make_document, conclusion, center, django_assert_num_queries):
    documents = for_render(make_document(number="31.00400.02.00000019.26"), conclusion)

    with django_assert_num_queries(1):  # the center
        pdfs = render_batch(documents)

    assert set(pdfs) == {d.pk for d in documents}


# --- The QR code ------------------------------------------------------------------------------------


def test_qr_payload_holds_the_register_link_first_then_the_register_data(make_document, center):
    document = for_render(make_document())[0]

    assert qr_payload(document, center).splitlines() == [
        REGISTER_URL,
        f"Свидетельство о квалификации № {NUMBER}",
        "Соколова Анна Сергеевна",
        "31.00400.02 Автомехатроник по ремонту автотранспортных средств (5 уровень квалификации)",
        "Дата выдачи: 05.03.2026",
        "Действительно до: 05.03.2029",
        "ЦОК 78.033",
    ]


def test_qr_payload_of_a_conclusion_names_it_and_has_no_validity(conclusion, center):
    lines = qr_payload(for_render(conclusion)[0], center).splitlines()

    assert lines[0] == "https://register.invalid/records/18"
    assert lines[1] == "Заключение о прохождении профессионального экзамена № 31.00400.02.00000018.26"
    assert not any(line.startswith("Действительно") for line in lines)


def test_printed_qr_codes_decode_to_the_payload_in_utf8(make_document, conclusion, center):
    certificate = make_document()
    pdfs = render_batch(for_render(certificate, conclusion))

    assert qr_texts(pdfs[certificate.pk]) == [qr_payload(for_render(certificate)[0], center)]
    assert qr_texts(pdfs[conclusion.pk]) == [qr_payload(for_render(conclusion)[0], center)]


def test_locally_numbered_certificate_keeps_the_signed_verification_link(make_document, center):
    document = make_document(number="78.033-2024-000042", number_source=NumberSource.LOCAL, register_url="")

    pdf = render(document)
    (link,) = qr_texts(pdf)

    token = re.fullmatch(r"https?://[^/]+/.*verify/s/([^/]+)/", link).group(1)
    assert read_token(token) == ("78.033-2024-000042", datetime.date(2026, 3, 5))
    assert "http" not in folded(page_lines(pdf)[0])


def test_locally_numbered_conclusion_renders_without_a_qr_code(make_document, center):
    document = make_document(
        kind=Kind.CONCLUSION, number="78.033-2024-000043", number_source=NumberSource.LOCAL, register_url=""
    )

    pdf = render(document)

    assert qr_texts(pdf) == []
    assert "Регистрационный номер 78.033-2024-000043" in folded(page_lines(pdf)[0])


def test_conclusion_is_liberation_serif_and_nothing_under_10pt(conclusion, center):
    pdf = render(conclusion)

    assert all(name.startswith("Liberation-Serif") for name in font_names(pdf))
    assert min(size for _, size in text_runs(pdf)) >= 10


def test_documents_are_russian_whatever_the_interface_language(make_document, conclusion, center):
    from django.utils import translation

    certificate = make_document()
    with translation.override("en"):
        pdfs = render_batch(for_render(certificate, conclusion))

    assert_in_order(folded(page_lines(pdfs[certificate.pk])[0]), CERTIFICATE_PHRASES)
    assert "По результатам профессионального экзамена квалификация не подтверждена." in folded(
        page_lines(pdfs[conclusion.pk])[0]
    )
