"""The question bank as a file (export, import) and its staff pages; the demo bank.

Import is all or nothing: each refused file is checked to leave every
question and option exactly as it was.
"""

import csv
import datetime
import io
import json
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from qac.demo.bank import demo_bank_size, seed_demo_bank
from qac.exams.bank import exporters, formats
from qac.exams.bank import services as bank_services
from qac.exams.models import Choice, Question, QuestionKind
from standards.models import Qualification
from tests.factories import ExamSpecificationFactory, QualificationFactory
from tests.helpers.access import PERSONAS

pytestmark = pytest.mark.django_db

FORMATS = ["csv", "xlsx", "json"]
HEADER = ["code", "topic", "type", "weight", "question", "option_1", "option_2", "option_3", "correct", "active"]


# --- Helpers ------------------------------------------------------------------------------------


@pytest.fixture
def qual(db):
    return Qualification.objects.get(code="31.00400.02")


@pytest.fixture
def target(db):
    """A second, empty bank to import into."""
    return QualificationFactory()


def add_question(qualification, code, *, options=("Да", "Нет"), correct=(1,), **fields) -> Question:
    defaults = {"topic": "Тормозная система", "text": f"Вопрос {code}?", "kind": QuestionKind.SINGLE, "weight": 1}
    question = Question.objects.create(qualification=qualification, external_id=code, **{**defaults, **fields})
    Choice.objects.bulk_create(
        [
            Choice(question=question, text=text, is_correct=n in correct, position=n)
            for n, text in enumerate(options, start=1)
        ]
    )
    return question


def snapshot(qualification) -> list[tuple]:
    """Everything the file carries about each question of the bank, in code order."""
    return [
        (
            q.external_id,
            q.topic,
            q.kind,
            q.weight,
            q.text,
            q.is_active,
            tuple((c.text, c.is_correct) for c in q.choices.order_by("position", "id")),
        )
        for q in Question.objects.filter(qualification=qualification).order_by("external_id")
    ]


def everything() -> tuple:
    """All questions and options of every bank: a refused import changes none of it."""
    return (
        list(Question.objects.order_by("pk").values_list()),
        list(Choice.objects.order_by("pk").values_list()),
    )


def tricky_bank(qualification) -> None:
    """Questions whose text trips naive CSV/XLSX handling: separators, quotes, line breaks, formula starts."""
    add_question(
        qualification,
        "001",
        text='Что означает «P0300»; "пропуски", а также, запятые?\nВторая строка вопроса.',
        options=("=СУММ(A1:A2)", "-5 °C", "+12 В", "@ссылка", "'=уже с апострофом"),
        correct=(2,),
        weight=10,
    )
    add_question(
        qualification,
        "A-2",
        topic="Электрооборудование",
        kind=QuestionKind.MULTIPLE,
        options=("Первый;с точкой с запятой", "Второй, с запятой", "Третий\nв две строки", "'апостроф"),
        correct=(1, 3, 4),
        weight=3,
    )
    add_question(qualification, "A-3", topic="Электрооборудование", is_active=False, options=("x" * 1000, "Нет"))
    add_question(qualification, "Б-4", topic="Охрана труда", text="Ёлка ёжик — «кавычки» … №", correct=(2,))


def cells(code="Q-1", **overrides) -> dict:
    row = {
        "code": code,
        "topic": "Тормозная система",
        "type": "single",
        "weight": "2",
        "question": f"Вопрос {code}?",
        "option_1": "Первый",
        "option_2": "Второй",
        "option_3": "Третий",
        "correct": "2",
        "active": "yes",
    }
    row.update(overrides)
    return row


def csv_file(rows: list[dict], *, delimiter=";", bom=True, header=HEADER) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def xlsx_file(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run_import(qualification, data: bytes, fmt: str = "csv", by=None) -> formats.ImportReport:
    return bank_services.bank_import(qualification=qualification, data=data, fmt=fmt, by=by)


def located(report) -> set[tuple]:
    return {(e.row, e.column) for e in report.errors}


# --- Export and import round trip -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_then_import_reproduces_the_bank_exactly(qual, target, fmt):
    tricky_bank(qual)
    data, _content_type, _name = exporters.bank_export(qualification=qual, fmt=fmt)

    report = run_import(target, data, fmt)

    assert report.ok, [str(e) for e in report.errors]
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert snapshot(target) == snapshot(qual)


@pytest.mark.parametrize("fmt", FORMATS)
def test_importing_a_banks_own_export_changes_nothing(qual, fmt):
    tricky_bank(qual)
    before = everything()
    data, _content_type, _name = exporters.bank_export(qualification=qual, fmt=fmt)

    report = run_import(qual, data, fmt)

    assert report.ok
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    assert everything() == before  # the options keep their ids: answers point at them


def test_csv_export_is_utf8_with_bom_and_semicolons_for_a_russian_spreadsheet(qual):
    tricky_bank(qual)
    data, content_type, filename = exporters.bank_export(qualification=qual, fmt="csv")

    assert data.startswith(b"\xef\xbb\xbf")
    assert content_type == "text/csv; charset=utf-8"
    assert filename.startswith("question-bank-31.00400.02-") and filename.endswith(".csv")
    text = data.decode("utf-8-sig")
    assert (
        text.split("\r\n", 1)[0]
        == "code;topic;type;weight;question;option_1;option_2;option_3;option_4;option_5;correct;active"
    )
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    by_code = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    first = by_code["001"]
    # A spreadsheet would run these as formulas; the apostrophe keeps them text and import removes it.
    assert [first[f"option_{n}"] for n in range(1, 6)] == [
        "'=СУММ(A1:A2)",
        "'-5 °C",
        "'+12 В",
        "'@ссылка",
        "''=уже с апострофом",
    ]
    assert first["correct"] == "2"
    second = by_code["A-2"]
    assert second["correct"] == "1;3;4"
    assert second["option_4"] == "'апостроф"  # not a formula start: written as it is


def test_xlsx_export_writes_text_cells_never_formulas(qual):
    tricky_bank(qual)
    data, content_type, _name = exporters.bank_export(qualification=qual, fmt="xlsx")

    assert content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    first = next(dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2) if row[0].value == "001")
    assert first["option_1"].value == "=СУММ(A1:A2)"
    assert first["option_1"].data_type == "s"
    assert first["code"].value == "001"  # leading zeros kept: the code is text
    assert first["weight"].value == 10


def test_json_export_is_a_list_of_questions_with_option_lists(qual):
    add_question(qual, "J-1", kind=QuestionKind.MULTIPLE, options=("А", "Б", "В"), correct=(1, 3), weight=4)
    data, content_type, _name = exporters.bank_export(qualification=qual, fmt="json")

    assert content_type == "application/json"
    assert json.loads(data) == [
        {
            "code": "J-1",
            "topic": "Тормозная система",
            "type": "multiple",
            "weight": 4,
            "question": "Вопрос J-1?",
            "options": ["А", "Б", "В"],
            "correct": [1, 3],
            "active": True,
        }
    ]


def test_an_empty_bank_exports_a_template_with_four_option_columns(qual):
    data, _content_type, _name = exporters.bank_export(qualification=qual, fmt="csv")
    assert data.decode("utf-8-sig").strip() == (
        "code;topic;type;weight;question;option_1;option_2;option_3;option_4;correct;active"
    )


def test_export_takes_the_same_queries_whatever_the_banks_size(qual):
    add_question(qual, "S-1")
    with CaptureQueriesContext(connection) as small:
        exporters.bank_export(qualification=qual, fmt="csv")
    for n in range(2, 30):
        add_question(qual, f"S-{n}", options=("А", "Б", "В"))
    with CaptureQueriesContext(connection) as large:
        exporters.bank_export(qualification=qual, fmt="csv")
    assert len(large) == len(small) == 2


# --- CSV dialects -------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("bom", [True, False])
def test_csv_import_takes_semicolons_or_commas_with_or_without_a_bom(qual, delimiter, bom):
    data = csv_file(
        [cells("C-1", question="Что, где; когда?"), cells("C-2", correct="3")], delimiter=delimiter, bom=bom
    )

    report = run_import(qual, data)

    assert report.ok, [str(e) for e in report.errors]
    assert report.created == 2
    q = Question.objects.get(qualification=qual, external_id="C-1")
    assert q.text == "Что, где; когда?"
    assert [(c.text, c.is_correct) for c in q.choices.order_by("position")] == [
        ("Первый", False),
        ("Второй", True),
        ("Третий", False),
    ]


def test_import_is_lenient_about_what_spreadsheets_do_to_cells(qual):
    """Stray spaces, capitals, Russian yes/no, CRLF line breaks, blank rows and unused option columns."""
    data = csv_file(
        [
            cells(" L-1 ", type=" Multiple ", correct=" 1 , 3 ", active="Нет", question="Строка 1\r\nСтрока 2"),
            {},
            cells("L-2", option_3="", correct="1"),
        ]
    )

    report = run_import(qual, data)

    assert report.ok, [str(e) for e in report.errors]
    first = Question.objects.get(qualification=qual, external_id="L-1")
    assert (first.kind, first.is_active, first.text) == ("multiple", False, "Строка 1\nСтрока 2")
    assert [c.is_correct for c in first.choices.order_by("position")] == [True, False, True]
    assert Question.objects.get(qualification=qual, external_id="L-2").choices.count() == 2


def test_the_active_column_is_optional_and_defaults_to_yes(qual):
    header = [h for h in HEADER if h != "active"]
    report = run_import(qual, csv_file([cells("N-1")], header=header))
    assert report.ok
    assert Question.objects.get(qualification=qual, external_id="N-1").is_active


# --- Validation: every error with its row and column, nothing saved ---------------------------------

BAD_CELLS = [
    pytest.param({"code": ""}, "code", id="code-empty"),
    pytest.param({"code": "К" * 65}, "code", id="code-too-long"),
    pytest.param({"code": "A B\nC"}, "code", id="code-two-lines"),
    pytest.param({"topic": ""}, "topic", id="topic-empty"),
    pytest.param({"topic": "т" * 256}, "topic", id="topic-too-long"),
    pytest.param({"type": "singel"}, "type", id="type-unknown"),
    pytest.param({"type": ""}, "type", id="type-empty"),
    pytest.param({"weight": "0"}, "weight", id="weight-zero"),
    pytest.param({"weight": "11"}, "weight", id="weight-over-10"),
    pytest.param({"weight": "2.5"}, "weight", id="weight-decimal"),
    pytest.param({"weight": "два"}, "weight", id="weight-word"),
    pytest.param({"weight": ""}, "weight", id="weight-empty"),
    pytest.param({"question": ""}, "question", id="question-empty"),
    pytest.param({"question": "Звонок\x07"}, "question", id="question-control-character"),
    pytest.param({"option_2": "", "option_3": "", "correct": "1"}, "option_1", id="one-option"),
    pytest.param({"option_2": ""}, "option_2", id="gap-in-options"),
    pytest.param({"option_3": "о" * 1001}, "option_3", id="option-too-long"),
    pytest.param({"option_3": "Первый"}, "option_3", id="option-repeated"),
    pytest.param({"correct": ""}, "correct", id="correct-empty"),
    pytest.param({"correct": "4"}, "correct", id="correct-out-of-range"),
    pytest.param({"correct": "0"}, "correct", id="correct-zero"),
    pytest.param({"correct": "1;2"}, "correct", id="single-with-two-correct"),
    pytest.param({"correct": "первый"}, "correct", id="correct-not-a-number"),
    pytest.param({"type": "multiple", "correct": "2;2"}, "correct", id="correct-repeated"),
    pytest.param({"active": "может быть"}, "active", id="active-unknown"),
]


@pytest.mark.parametrize(("bad", "column"), BAD_CELLS)
def test_a_bad_cell_is_reported_by_row_and_column_and_nothing_is_saved(qual, bad, column):
    add_question(qual, "Q-1", text="Старый текст")
    before = everything()
    data = csv_file([cells("Q-1", question="Новый текст"), {**cells("Q-2"), **bad}, cells("Q-3")])

    report = run_import(qual, data)

    assert not report.ok
    assert located(report) == {(3, column)}
    with translation.override("en"):
        assert str(report.errors[0]).startswith(f"row 3, column `{column}`: ")
    assert (report.created, report.updated) == (0, 0)
    assert everything() == before


def test_an_error_repeats_only_the_start_of_a_long_wrong_value(qual):
    report = run_import(qual, csv_file([cells("T-1", type="очень " * 1000)]))
    assert located(report) == {(2, "type")}
    assert len(report.errors[0].message) < 200


def test_every_error_of_the_file_is_listed_at_once(qual):
    data = csv_file(
        [
            cells("E-1", weight="99", correct="7"),
            cells("E-2"),
            cells("E-3", type="many"),
            cells("E-4"),
            cells("E-5", topic="", active="?"),
        ]
    )

    report = run_import(qual, data)

    assert located(report) == {(2, "weight"), (2, "correct"), (4, "type"), (6, "topic"), (6, "active")}
    assert not Question.objects.filter(qualification=qual).exists()


def test_a_code_used_twice_in_the_file_names_both_rows(qual):
    report = run_import(qual, csv_file([cells("D-1"), cells("D-2"), cells("D-1", question="Другой")]))

    assert located(report) == {(4, "code")}
    assert "2" in report.errors[0].message
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    ("header", "problems"),
    [
        pytest.param([h for h in HEADER if h != "correct"], {(1, "correct")}, id="missing-column"),
        pytest.param([*HEADER, "corect"], {(1, "corect")}, id="unknown-column"),
        pytest.param([h for h in HEADER if h != "option_2"], {(1, "option_2")}, id="missing-option-column"),
        pytest.param([*HEADER, "topic"], {(1, "topic")}, id="column-twice"),
    ],
)
def test_a_bad_header_is_reported_by_column_and_nothing_is_saved(qual, header, problems):
    report = run_import(qual, csv_file([cells("H-1")], header=header))
    assert located(report) == problems
    assert not Question.objects.exists()


def test_a_value_under_a_column_without_a_name_is_an_error(qual):
    lines = csv_file([cells("U-1")]).decode("utf-8-sig").split("\r\n")
    lines[1] += ";лишнее"
    report = run_import(qual, "\r\n".join(lines).encode())
    assert located(report) == {(2, "K")}


JSON_BAD = [
    pytest.param({"options": "А\nБ"}, "options", id="options-not-a-list"),
    pytest.param({"options": ["А", ["Б"]]}, "options", id="option-not-text"),
    pytest.param({"options": ["А"]}, "options", id="one-option"),
    pytest.param({"correct": "1"}, None, id="correct-as-text-is-accepted"),
    pytest.param({"correct": [True]}, "correct", id="correct-boolean"),
    pytest.param({"correct": [1.5]}, "correct", id="correct-decimal"),
    pytest.param({"weight": "many"}, "weight", id="weight-text"),
    pytest.param({"code": None}, "code", id="code-null"),
    pytest.param({"active": "maybe"}, "active", id="active-unknown"),
    pytest.param({"extra": 1}, "extra", id="unknown-field"),
    pytest.param({"question": "Вопрос\x00"}, "question", id="nul-character"),
]


def json_question(code="J-1", **overrides) -> dict:
    item = {
        "code": code,
        "topic": "Тема",
        "type": "single",
        "weight": 1,
        "question": "Вопрос?",
        "options": ["А", "Б"],
        "correct": [1],
        "active": True,
    }
    item.update(overrides)
    return item


@pytest.mark.parametrize(("bad", "column"), JSON_BAD)
def test_json_fields_are_checked_and_rows_are_counted_from_one(qual, bad, column):
    data = json.dumps([json_question("J-1"), {**json_question("J-2"), **bad}]).encode()

    report = run_import(qual, data, "json")

    if column is None:
        assert report.ok
    else:
        assert located(report) == {(2, column)}
        assert not Question.objects.exists()


def test_a_json_item_that_is_not_an_object_is_an_error(qual):
    report = run_import(qual, json.dumps([json_question(), "вопрос"]).encode(), "json")
    assert located(report) == {(2, None)}


def test_xlsx_formulas_and_dates_are_refused_with_their_cell(qual):
    header = HEADER
    data = xlsx_file(
        [
            header,
            ["X-1", "Тема", "single", "=1+1", "Вопрос?", "А", "Б", "", 1, "yes"],
            ["X-2", "Тема", "single", 1, "Вопрос?", "А", "Б", "", datetime.date(2026, 1, 3), "yes"],
            ["X-3", "Тема", "multiple", 2.0, "Вопрос?", "А", "Б", "В", 1.3, True],
        ]
    )

    report = run_import(qual, data, "xlsx")

    assert located(report) == {(2, "weight"), (3, "correct"), (4, "correct")}
    assert not Question.objects.exists()


def test_xlsx_numbers_and_booleans_are_read_as_the_values_they_show(qual):
    data = xlsx_file(
        [
            HEADER,
            [101, "Тема", "multiple", 3.0, "Вопрос?", "А", 12, 24.5, "1;3", False],
            [102, "Тема", "single", 1, "В?", "А", "Б", None, 2],
        ]
    )

    report = run_import(qual, data, "xlsx")

    assert report.ok, [str(e) for e in report.errors]
    q = Question.objects.get(qualification=qual, external_id="101")
    assert (q.weight, q.is_active) == (3, False)
    assert [c.text for c in q.choices.order_by("position")] == ["А", "12", "24.5"]


# --- Upsert --------------------------------------------------------------------------------------


def test_import_creates_new_codes_updates_known_ones_and_leaves_the_rest(qual, target):
    changed = add_question(qual, "U-1", options=("Старый", "Ответ"))
    add_question(qual, "U-9", text="Не в файле")
    add_question(target, "U-1", text="Другой банк")
    elsewhere_before = snapshot(target)
    kept_before = snapshot(qual)[1]

    report = run_import(
        qual,
        csv_file([cells("U-1", topic="Новая тема", weight="5", correct="3", active="no"), cells("U-2")]),
    )

    assert report.ok
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    changed.refresh_from_db()
    assert (changed.topic, changed.weight, changed.is_active) == ("Новая тема", 5, False)
    assert [(c.text, c.is_correct) for c in changed.choices.order_by("position")] == [
        ("Первый", False),
        ("Второй", False),
        ("Третий", True),
    ]
    assert Question.objects.get(qualification=qual, external_id="U-2").is_demo is False
    assert snapshot(qual)[2] == kept_before  # U-9, not in the file, is untouched
    assert snapshot(target) == elsewhere_before


def test_updating_only_the_text_keeps_the_options_ids(qual):
    question = add_question(qual, "K-1", options=("Первый", "Второй", "Третий"), correct=(2,), weight=2)
    ids = list(question.choices.order_by("position").values_list("pk", flat=True))

    report = run_import(qual, csv_file([cells("K-1", question="Исправленный текст")]))

    assert (report.created, report.updated) == (0, 1)
    question.refresh_from_db()
    assert question.text == "Исправленный текст"
    assert list(question.choices.order_by("position").values_list("pk", flat=True)) == ids


def test_a_demo_question_stays_marked_demo_when_its_code_is_updated(qual):
    add_question(qual, "DEMO-1", is_demo=True)
    run_import(qual, csv_file([cells("DEMO-1", question="Правка")]))
    assert Question.objects.get(external_id="DEMO-1").is_demo


def test_options_of_a_question_in_a_test_under_way_cannot_change(running, staff):
    """Answers hold option ids: a question in a candidate's variant keeps its options and correct answers."""
    qualification = running.session.qualification
    in_variant = Question.objects.get(pk=running.attempt.question_ids[0])
    data, _content_type, _name = exporters.bank_export(qualification=qualification, fmt="json")
    items = json.loads(data)
    item = next(i for i in items if i["code"] == in_variant.external_id)
    before = everything()

    item["correct"] = [n for n in range(1, len(item["options"]) + 1) if n not in item["correct"]][:1]
    item["type"] = "single"
    report = run_import(qualification, json.dumps(items).encode(), "json", by=staff)

    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(items.index(item) + 1, "correct")]
    assert everything() == before

    item.update(correct=json.loads(data)[items.index(item)]["correct"], type=in_variant.kind, question="Исправлено")
    assert run_import(qualification, json.dumps(items).encode(), "json", by=staff).updated == 1


# --- Files that are not question banks ---------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def zip_of(name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, content)
    return out.getvalue()


GARBAGE = [
    pytest.param("csv", b"", "empty", id="csv-empty"),
    pytest.param("csv", b"\xef\xbb\xbf", "empty", id="csv-bom-only"),
    pytest.param("csv", b"  \r\n\r\n ", "empty", id="csv-blank"),
    pytest.param("csv", PNG, "UTF-8", id="csv-binary"),
    pytest.param("csv", "code;topic\r\nК;Т".encode("cp1251"), "UTF-8", id="csv-windows-1251"),
    pytest.param("csv", "code;topic".encode("utf-16"), "UTF-8", id="csv-utf-16"),
    pytest.param("csv", b"code;topic\x00;type", "binary", id="csv-nul"),
    pytest.param("csv", b'code;"topic\r\n', "CSV", id="csv-unclosed-quote"),
    pytest.param("csv", b"hello world\r\nfoo", "column", id="csv-not-a-bank"),
    pytest.param("xlsx", b"", "empty", id="xlsx-empty"),
    pytest.param("xlsx", PNG, "XLSX", id="xlsx-binary"),
    pytest.param("xlsx", b"code;topic\r\n", "XLSX", id="xlsx-really-csv"),
    pytest.param("xlsx", zip_of("word/document.xml", b"<w/>"), "XLSX", id="xlsx-other-zip"),
    pytest.param("xlsx", zip_of("[Content_Types].xml", b"<<<"), "XLSX", id="xlsx-broken-xml"),
    pytest.param("json", b"", "empty", id="json-empty"),
    pytest.param("json", b"{not json", "JSON", id="json-broken"),
    pytest.param("json", b'{"code": "A"}', "list", id="json-object"),
    pytest.param("json", b"[" * 100000, "JSON", id="json-too-deep"),
    pytest.param("json", PNG, "UTF-8", id="json-binary"),
    pytest.param("json", b"[]", "no questions", id="json-no-questions"),
    pytest.param("json", b'[{"code": "\\ud800"}]', "invalid characters", id="json-lone-surrogate"),
    pytest.param("pdf", b"%PDF-1.4", "CSV, XLSX or JSON", id="unknown-format"),
]


@pytest.mark.parametrize(("fmt", "data", "fragment"), GARBAGE)
def test_a_file_that_is_not_a_bank_gets_one_clear_error(qual, fmt, data, fragment):
    add_question(qual, "G-1")
    before = everything()

    with translation.override("en"):
        report = run_import(qual, data, fmt)
        messages = [str(e) for e in report.errors]

    assert len(report.errors) == 1, messages
    assert fragment in messages[0]
    assert everything() == before


def test_an_oversize_file_is_refused_before_it_is_read(qual):
    data = csv_file([cells("O-1")]) + b" " * formats.MAX_IMPORT_BYTES
    with translation.override("en"):
        report = run_import(qual, data)
        assert "limit is 5.0" in str(report.errors[0])
    assert not Question.objects.exists()


def test_a_workbook_that_unpacks_too_large_is_refused(qual, monkeypatch):
    monkeypatch.setattr(formats, "MAX_XLSX_UNPACKED_BYTES", 1000)
    report = run_import(qual, xlsx_file([HEADER, ["Z-1", "Т", "single", 1, "В?", "А", "Б", "", 1, "yes"]]), "xlsx")
    assert len(report.errors) == 1 and report.errors[0].row is None
    assert not Question.objects.exists()


def test_a_file_with_too_many_questions_is_refused(qual, monkeypatch):
    monkeypatch.setattr(formats, "MAX_IMPORT_ROWS", 3)
    report = run_import(qual, csv_file([cells(f"R-{n}") for n in range(4)]))
    assert len(report.errors) == 1 and report.errors[0].row is None
    assert not Question.objects.exists()


# --- Pages: who may use them -------------------------------------------------------------------

STAFF_ONLY = {"candidate": 403, "other_candidate": 403, "expert": 403, "staff": 200, "head": 200}


def assert_sent_to_login(response, url: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def page_urls(qual) -> list[str]:
    return [
        reverse("exams_bank:index"),
        reverse("exams_bank:questions", args=[qual.pk]),
        reverse("exams_bank:export", args=[qual.pk, "csv"]),
        reverse("exams_bank:export", args=[qual.pk, "xlsx"]),
        reverse("exams_bank:export", args=[qual.pk, "json"]),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_bank_pages_are_for_qac_staff_only(persona_client, persona, qual):
    add_question(qual, "P-1")
    client, _user = persona_client(persona)
    for url in page_urls(qual):
        response = client.get(url)
        if persona == "anonymous":
            assert_sent_to_login(response, url)
        else:
            assert response.status_code == STAFF_ONLY[persona], url


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_qac_staff_can_import_and_a_refused_import_changes_nothing(persona_client, persona, qual):
    add_question(qual, "P-1", text="Старый текст")
    before = everything()
    client, _user = persona_client(persona)
    url = reverse("exams_bank:import", args=[qual.pk])
    upload = SimpleUploadedFile("bank.csv", csv_file([cells("P-1", question="Новый"), cells("P-2")]))

    response = client.post(url, {"file": upload})

    if persona in ("staff", "head"):
        assert response.status_code == 302
        assert response["Location"] == reverse("exams_bank:questions", args=[qual.pk])
        assert Question.objects.get(qualification=qual, external_id="P-1").text == "Новый"
        assert Question.objects.filter(qualification=qual).count() == 2
    else:
        if persona == "anonymous":
            assert_sent_to_login(response, url)
        else:
            assert response.status_code == 403
        assert everything() == before


def test_import_is_post_only(client, staff, qual):
    client.force_login(staff)
    assert client.get(reverse("exams_bank:import", args=[qual.pk])).status_code == 405


# --- Pages: what they show ---------------------------------------------------------------------


def test_the_index_shows_each_qualification_with_counts_per_topic_and_the_demo_mark(client, staff, qual):
    seed_demo_bank()
    own = QualificationFactory()
    add_question(own, "O-1", topic="Своя тема")
    add_question(own, "O-2", topic="Своя тема", is_active=False)
    client.force_login(staff)

    response = client.get(reverse("exams_bank:index"))

    assert response.status_code == 200
    banks = {b.qualification.code: b for b in response.context["banks"]}
    assert banks["31.00400.02"].is_demo and banks["31.00400.02"].active == 48 and banks["31.00400.02"].needed == 40
    assert not banks[own.code].is_demo and (banks[own.code].active, banks[own.code].total) == (1, 2)
    assert banks[own.code].topics == [{"topic": "Своя тема", "total": 2, "active": 1}]
    html = response.content.decode()
    assert "Своя тема: 1 / 2" in html
    assert reverse("exams_bank:questions", args=[own.pk]) in html


def test_the_index_takes_the_same_queries_whatever_the_banks_size(client, staff, qual):
    client.force_login(staff)
    add_question(qual, "I-1")
    client.get(reverse("exams_bank:index"))  # whatever the first request caches
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("exams_bank:index"))
    seed_demo_bank()
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("exams_bank:index"))
    assert len(large) == len(small)


def test_the_questions_page_lists_filters_by_topic_and_pages(client, staff, qual):
    seed_demo_bank()
    client.force_login(staff)
    url = reverse("exams_bank:questions", args=[qual.pk])

    response = client.get(url)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 48
    assert len(response.context["page"].object_list) == 25
    assert "DEMO-31.00400.02-001" in response.content.decode()

    topic = "Бортовые сети и шины данных"
    response = client.get(url, {"topic": topic, "page": 1})
    listed = list(response.context["page"].object_list)
    assert listed and {q.topic for q in listed} == {topic}
    assert response.context["page"].paginator.count == Question.objects.filter(qualification=qual, topic=topic).count()

    assert client.get(url, {"page": 2}).context["page"].number == 2
    assert client.get(url, {"topic": "нет такой"}).context["topic"] == ""  # an unknown topic shows all


def test_the_questions_page_takes_the_same_queries_whatever_the_page_holds(client, staff, qual):
    client.force_login(staff)
    url = reverse("exams_bank:questions", args=[qual.pk])
    add_question(qual, "W-1")
    client.get(url)  # whatever the first request caches
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    seed_demo_bank()
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_export_answers_a_download_and_an_unknown_format_is_404(client, staff, qual):
    add_question(qual, "X-1")
    client.force_login(staff)

    response = client.get(reverse("exams_bank:export", args=[qual.pk, "xlsx"]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith('attachment; filename="question-bank-31.00400.02-')
    assert client.get(reverse("exams_bank:export", args=[qual.pk, "pdf"])).status_code == 404
    assert client.get(reverse("exams_bank:export", args=[999999, "csv"])).status_code == 404


def test_a_bad_file_shows_every_error_with_status_400_and_saves_nothing(client, staff, qual):
    add_question(qual, "B-1")
    before = everything()
    client.force_login(staff)
    data = csv_file([cells("B-1", question="Новый"), cells("B-2", correct="1;2"), cells("B-3", weight="0")])

    response = client.post(reverse("exams_bank:import", args=[qual.pk]), {"file": SimpleUploadedFile("bank.csv", data)})

    assert response.status_code == 400
    errors = response.context["report"].errors
    assert {(e.row, e.column) for e in errors} == {(3, "correct"), (4, "weight")}
    html = response.content.decode()
    with translation.override("ru"):
        for error in errors:
            assert escape(str(error)) in html
    assert everything() == before


def test_the_file_format_is_taken_from_the_extension(client, staff, qual):
    client.force_login(staff)
    url = reverse("exams_bank:import", args=[qual.pk])
    items = json.dumps([json_question("F-1")]).encode()

    assert client.post(url, {"file": SimpleUploadedFile("bank.JSON", items)}).status_code == 302
    assert Question.objects.filter(qualification=qual, external_id="F-1").exists()

    response = client.post(url, {"file": SimpleUploadedFile("bank.txt", items)})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]

    response = client.post(url, {"file": SimpleUploadedFile("bank.csv", items)})  # JSON under a CSV name
    assert response.status_code == 400
    assert response.context["report"].errors


def test_an_oversize_upload_is_refused_by_the_form(client, staff, qual, monkeypatch):
    monkeypatch.setattr(formats, "MAX_IMPORT_BYTES", 100)
    client.force_login(staff)
    upload = SimpleUploadedFile("bank.csv", csv_file([cells("V-1"), cells("V-2")]))

    response = client.post(reverse("exams_bank:import", args=[qual.pk]), {"file": upload})

    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not Question.objects.exists()


def test_an_empty_upload_is_refused(client, staff, qual):
    client.force_login(staff)
    response = client.post(reverse("exams_bank:import", args=[qual.pk]), {"file": SimpleUploadedFile("bank.csv", b"")})
    assert response.status_code == 400
    assert not Question.objects.exists()


def test_a_successful_import_says_what_it_did(client, staff, qual):
    add_question(qual, "M-1", options=("Первый", "Второй", "Третий"), correct=(2,), weight=2)
    client.force_login(staff)
    data = csv_file([cells("M-1"), cells("M-2", question="Изменённый?"), cells("M-3")])

    response = client.post(
        reverse("exams_bank:import", args=[qual.pk]), {"file": SimpleUploadedFile("bank.csv", data)}, follow=True
    )

    with translation.override("ru"):
        expected = translation.gettext(
            "The file is imported: %(created)s new, %(updated)s changed and %(unchanged)s unchanged questions."
        ) % {"created": 2, "updated": 0, "unchanged": 1}
    assert [str(m) for m in response.context["messages"]] == [expected]


# --- The demo bank -------------------------------------------------------------------------------


SEEDED = ["31.00700.01", "31.00400.02", "31.00400.03", "31.00400.04"]


def test_the_demo_bank_covers_each_variant_with_spare_and_is_plainly_marked(db):
    created = seed_demo_bank()

    total = 0
    for code in SEEDED:
        qualification = Qualification.objects.select_related("exam_spec").get(code=code)
        needed = qualification.exam_spec.theory_question_count
        questions = list(Question.objects.filter(qualification=qualification).prefetch_related("choices"))
        total += len(questions)
        assert len(questions) == demo_bank_size(needed) >= needed * 1.2
        assert all(q.is_active and q.is_demo for q in questions)
        assert all(q.external_id.startswith(f"DEMO-{code}-") for q in questions)
        assert all(q.text.startswith("Демонстрационный вопрос.") for q in questions)
        assert 4 <= len({q.topic for q in questions}) <= 6
        assert {q.kind for q in questions} == {QuestionKind.SINGLE, QuestionKind.MULTIPLE}
        for q in questions:
            correct = sum(c.is_correct for c in q.choices.all())
            assert correct == 1 if q.kind == QuestionKind.SINGLE else correct >= 1
            assert len({c.text for c in q.choices.all()}) == q.choices.count() >= 4
    assert created == total


def test_seeding_the_demo_bank_again_changes_nothing(db):
    seed_demo_bank()
    edited = Question.objects.get(external_id="DEMO-31.00400.02-001")
    edited.text = "Исправлено сотрудником"
    edited.save()
    before = everything()

    assert seed_demo_bank() == 0
    assert everything() == before


def test_the_demo_bank_grows_with_the_specification(db):
    seed_demo_bank()
    spec = Qualification.objects.get(code="31.00700.01").exam_spec
    spec.theory_question_count = 50
    spec.save()

    assert seed_demo_bank() == 60 - 36
    assert Question.objects.filter(qualification__code="31.00700.01").count() == 60


def test_the_demo_bank_passes_its_own_import_checks(db, target):
    """Export of the demo bank imports cleanly: the demo data obeys the same rules as staff files."""
    seed_demo_bank()
    for code in SEEDED:
        data, _content_type, _name = exporters.bank_export(
            qualification=Qualification.objects.get(code=code), fmt="csv"
        )
        report = run_import(target, data)
        assert report.ok, [str(e) for e in report.errors][:5]


def test_the_demo_bank_is_enough_for_a_variant(db):
    from qac.exams import services

    seed_demo_bank()
    for code in SEEDED:
        spec = Qualification.objects.get(code=code).exam_spec
        variant = services.draw_variant(spec=spec, seed=7)
        assert len(set(variant)) == spec.theory_question_count


def test_the_demo_bank_is_never_seeded_in_production(db, settings):
    settings.QAC_DEMO_DATA_ALLOWED = False
    with pytest.raises(RuntimeError):
        seed_demo_bank()
    assert not Question.objects.exists()


def test_qualifications_without_a_specification_get_no_demo_bank(db):
    spec = ExamSpecificationFactory()
    seed_demo_bank()
    assert not Question.objects.filter(qualification=spec.qualification).exists()
