"""The register's answer (docs/register-answer.md): numbers applied all or nothing, once, with errors
that name the line and the field; numbers entered by hand; the stand-in for the register; the command.
"""

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from qac.accounts.roles import Role
from qac.certificates import services as certificate_services
from qac.certificates.models import DocumentEvent, IssuedDocument, Kind, NumberSource
from qac.registry import answers
from qac.registry.answers import AnswerError, register_answer_import, register_number_enter
from qac.registry.models import AnswerImport, AnswerStatus, ExportRecord, RecordType
from qac.registry.stub import StubRefused, stub_answer_rows, write_stub_answer
from tests.factories import UserFactory
from tests.helpers.threads import run_at_once
from tests.registry.answer_data import (
    HEADER,
    csv_file,
    documents_state,
    make_document,
    make_qualification,
    number_for,
    row,
    today,
    url_for,
    xml_file,
    xml_record,
)

SCHEMA = Path(__file__).resolve().parents[2] / "qac" / "registry" / "schema" / "register-answer-1.0.xsd"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def renders(monkeypatch):
    """The ids ``document_register`` queued for rendering (the renderer itself is the certificates' concern)."""
    queued = []
    monkeypatch.setattr(certificate_services.rendering, "render_soon", lambda ids: queued.append(list(ids)))
    return queued


@pytest.fixture
def qualification(db):
    return make_qualification()


@pytest.fixture
def docs(qualification, staff):
    """Two certificates and a conclusion, decided by the Council, exported, awaiting their numbers."""
    return [
        make_document(qualification=qualification, staff=staff),
        make_document(qualification=qualification, staff=staff),
        make_document(qualification=qualification, staff=staff, kind=Kind.CONCLUSION),
    ]


def good_rows(docs, start=1):
    return [row(d, number_for(d, start + i)) for i, d in enumerate(docs)]


def assert_refused(result, *where):
    """Refused, with an error at each (line, field) given; the file and the errors are kept."""
    assert result.status == AnswerStatus.REFUSED
    assert result.pk and AnswerImport.objects.get(pk=result.pk).status == AnswerStatus.REFUSED
    assert result.numbered == 0
    assert result.file and Path(result.file.path).is_file()
    found = {(e["line"], e["field"]) for e in result.errors}
    for expected in where:
        assert expected in found, result.errors


# --- Applying a good file -------------------------------------------------------------------------


def test_a_csv_answer_numbers_every_document_and_queues_its_render(
    docs, staff, renders, django_capture_on_commit_callbacks
):
    data = csv_file(*good_rows(docs))

    with django_capture_on_commit_callbacks(execute=True):
        result = register_answer_import(data=data, filename="answer-2026.csv", by=staff)

    assert result.status == AnswerStatus.APPLIED, result.errors
    assert (result.rows, result.numbered, result.already_numbered) == (3, 3, 0)
    assert result.file_format == "csv" and result.imported_by == staff and result.file_name == "answer-2026.csv"
    assert result.file.read() == data
    for i, document in enumerate(docs, start=1):
        document.refresh_from_db()
        assert document.number == number_for(document, i)
        assert document.number_source == NumberSource.REGISTER
        assert document.issue_date == today()
        assert document.register_url == url_for(document.number)
        event = DocumentEvent.objects.get(document=document, action="numbered")
        assert event.by == staff and event.data["source"] == "answer file answer-2026.csv"
    assert docs[0].valid_until == today().replace(year=today().year + 3)
    assert sorted(i for ids in renders for i in ids) == [d.pk for d in docs]


def test_an_xml_answer_numbers_every_document(docs):
    data = xml_file(*[xml_record(d, number_for(d, i)) for i, d in enumerate(docs, start=1)])

    result = register_answer_import(data=data, filename="answer.xml")

    assert result.status == AnswerStatus.APPLIED, result.errors
    assert result.file_format == "xml" and result.numbered == 3
    assert [d.number for d in IssuedDocument.objects.order_by("pk")] == [
        number_for(d, i) for i, d in enumerate(docs, start=1)
    ]


def test_iso_dates_no_bom_and_blank_lines_are_read_too(docs):
    day = today() - datetime.timedelta(days=1)
    data = csv_file(row(docs[0], number_for(docs[0], 7), issue_date=day, date_format="%Y-%m-%d"), "", bom=False)

    result = register_answer_import(data=data, filename="a.csv")

    assert result.status == AnswerStatus.APPLIED, result.errors
    docs[0].refresh_from_db()
    assert docs[0].issue_date == day


def test_the_same_file_again_changes_nothing_and_counts_the_numbers_as_already_given(docs):
    data = csv_file(*good_rows(docs))
    first = register_answer_import(data=data, filename="a.csv")
    state = documents_state()

    second = register_answer_import(data=data, filename="a.csv")

    assert first.status == second.status == AnswerStatus.APPLIED
    assert (second.numbered, second.already_numbered) == (0, 3)
    assert documents_state() == state
    assert AnswerImport.objects.count() == 2


# --- Refused files: nothing changes, the errors name line and field ----------------------------------


def test_an_unknown_record_refuses_the_whole_file(docs, qualification, staff):
    never_exported = make_document(qualification=qualification, staff=staff, exported=False)
    state = documents_state()
    data = csv_file(*good_rows(docs[:2]), row(never_exported, number_for(never_exported, 9)))

    result = register_answer_import(data=data, filename="a.csv")

    assert_refused(result, (4, "record_id"))
    assert len(result.errors) == 1
    assert documents_state() == state, "the two good rows were not applied either"


def test_a_record_id_that_is_no_document_at_all_is_unknown(docs):
    data = csv_file(good_rows(docs)[0], f"999999;certificate;{number_for(docs[0], 5)};01.01.2026;{url_for('x')}")

    assert_refused(register_answer_import(data=data, filename="a.csv"), (3, "record_id"))


def test_a_record_of_another_type_than_exported_is_refused(docs):
    data = csv_file(row(docs[0], number_for(docs[0], 1), record_type="conclusion"))

    assert_refused(register_answer_import(data=data, filename="a.csv"), (2, "record_type"))


def test_a_revocation_receives_no_number(docs):
    ExportRecord.objects.create(batch=ExportRecord.objects.first().batch, record_type="revocation", document=docs[0])
    data = csv_file(row(docs[0], number_for(docs[0], 1), record_type="revocation"))

    result = register_answer_import(data=data, filename="a.csv")

    assert_refused(result, (2, "record_type"))
    assert "revocation" in result.errors[0]["message"]


def test_the_same_number_twice_in_a_file_is_an_error_on_both_rows(docs):
    state = documents_state()
    number = number_for(docs[0], 1)
    data = csv_file(row(docs[0], number), good_rows(docs)[1], row(docs[2], number))

    result = register_answer_import(data=data, filename="a.csv")

    assert_refused(result, (2, "registration_number"), (4, "registration_number"))
    assert documents_state() == state


def test_the_same_record_twice_in_a_file_is_an_error(docs):
    data = csv_file(row(docs[0], number_for(docs[0], 1)), row(docs[0], number_for(docs[0], 2)))

    assert_refused(register_answer_import(data=data, filename="a.csv"), (2, "record_id"), (3, "record_id"))


@pytest.mark.parametrize(
    "number",
    ["31.00400.02.0000001.26", "31.00400.02.00000001", "not a number", "", "31.00400.02.00000001.26 x"],
)
def test_a_malformed_number_is_refused(docs, number):
    state = documents_state()
    data = csv_file(good_rows(docs)[0], row(docs[1], number, url=url_for("x")))

    assert_refused(register_answer_import(data=data, filename="a.csv"), (3, "registration_number"))
    assert documents_state() == state


@pytest.mark.parametrize("day", ["32.01.2026", "2026-02-30", "1.2.2026", "01/02/2026", "", "сегодня"])
def test_a_malformed_date_is_refused(docs, day):
    data = csv_file(row(docs[0], number_for(docs[0], 1), issue_date=day))

    assert_refused(register_answer_import(data=data, filename="a.csv"), (2, "issue_date"))


@pytest.mark.parametrize("url", ["", "ftp://register/x", "register.invalid/records/1", "https://"])
def test_a_bad_link_is_refused(docs, url):
    data = csv_file(row(docs[0], number_for(docs[0], 1), url=url))

    assert_refused(register_answer_import(data=data, filename="a.csv"), (2, "register_url"))


def test_a_link_outside_the_configured_register_is_refused(docs, settings):
    settings.QAC_REGISTER_URL_PREFIXES = ["https://nok-nark.ru/"]
    data = csv_file(row(docs[0], number_for(docs[0], 1)))

    assert_refused(register_answer_import(data=data, filename="a.csv"), (2, "register_url"))


@pytest.mark.parametrize(
    ("header", "blame"),
    [
        ("record_id;record_type;registration_number;issue_date", "register_url"),
        ("record_id;record_type;registration_number;issue_date;register_url;note", "note"),
        ("record_id;type;registration_number;issue_date;register_url", "record_type"),
        ("record_type;record_id;registration_number;issue_date;register_url", None),
        ("record_id,record_type,registration_number,issue_date,register_url", "record_id"),
    ],
)
def test_a_wrong_header_is_one_clear_error_naming_the_column(docs, header, blame):
    data = csv_file(*good_rows(docs), header=header)

    result = register_answer_import(data=data, filename="a.csv")

    assert_refused(result, (1, blame))
    assert len(result.errors) == 1
    message = result.errors[0]["message"]
    assert HEADER in message
    if blame == "note":
        assert "«note»" in message
    elif blame:
        assert blame in message


def test_a_row_with_a_missing_field_is_refused(docs):
    data = csv_file(good_rows(docs)[0], f"{docs[1].pk};certificate;{number_for(docs[1], 2)};01.01.2026")

    assert_refused(register_answer_import(data=data, filename="a.csv"), (3, None))


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"  \r\n\r\n", csv_file(), b"\xef\xbb\xbf" + HEADER.encode()])
def test_an_empty_file_or_one_without_rows_is_refused(db, data):
    result = register_answer_import(data=data, filename="empty.csv")

    assert result.status == AnswerStatus.REFUSED and result.errors


def test_a_file_that_is_not_utf8_is_refused(docs):
    data = csv_file(*good_rows(docs)).replace(b"\xef\xbb\xbf", b"") + "Ёлкин".encode("cp1251")

    assert_refused(register_answer_import(data=data, filename="a.csv"), (5, None))


def test_another_number_for_a_numbered_document_is_refused(docs):
    register_answer_import(data=csv_file(good_rows(docs)[0]), filename="first.csv")
    state = documents_state()
    data = csv_file(row(docs[0], number_for(docs[0], 42)), good_rows(docs)[1])

    result = register_answer_import(data=data, filename="second.csv")

    assert_refused(result, (2, "registration_number"))
    assert number_for(docs[0], 1) in result.errors[0]["message"]
    assert documents_state() == state


def test_a_number_another_document_holds_is_refused(docs):
    register_answer_import(data=csv_file(good_rows(docs)[0]), filename="first.csv")
    state = documents_state()
    data = csv_file(row(docs[1], number_for(docs[0], 1)))

    assert_refused(register_answer_import(data=data, filename="second.csv"), (2, "registration_number"))
    assert documents_state() == state


def test_a_document_the_council_has_not_decided_is_refused(docs, qualification, staff):
    undecided = make_document(qualification=qualification, staff=staff, decided=False)
    state = documents_state()
    data = csv_file(*good_rows(docs), row(undecided, number_for(undecided, 9)))

    result = register_answer_import(data=data, filename="a.csv")

    assert_refused(result, (5, "record_id"))
    assert documents_state() == state


def test_an_issue_date_in_the_future_is_refused(docs):
    data = csv_file(row(docs[0], number_for(docs[0], 1), issue_date=today() + datetime.timedelta(days=1)))

    assert_refused(register_answer_import(data=data, filename="a.csv"), (2, "issue_date"))


def test_every_error_of_a_file_is_reported_at_once(docs, qualification, staff):
    undecided = make_document(qualification=qualification, staff=staff, decided=False)
    data = csv_file(
        good_rows(docs)[0],
        row(docs[1], "bad"),
        row(docs[2], number_for(docs[2], 3), issue_date="31.02.2026"),
        row(undecided, number_for(undecided, 4)),
    )

    result = register_answer_import(data=data, filename="a.csv")

    assert_refused(result, (3, "registration_number"), (4, "issue_date"))
    # The database checks run only once the file itself is sound.
    assert [e["line"] for e in result.errors] == [3, 4]


def test_a_non_staff_user_cannot_import(docs, candidate):
    with pytest.raises(AnswerError):
        register_answer_import(data=csv_file(*good_rows(docs)), filename="a.csv", by=candidate)
    assert not AnswerImport.objects.exists()


# --- XML ----------------------------------------------------------------------------------------------


def test_an_xml_file_that_breaks_the_schema_names_the_line_and_element(docs):
    good = xml_record(docs[0], number_for(docs[0], 1))
    broken = xml_record(docs[1], number_for(docs[1], 2)).replace("<type>certificate</type>", "")
    state = documents_state()

    result = register_answer_import(data=xml_file(good, broken), filename="a.xml")

    assert_refused(result)
    # The record starts on line 9; its <type> is missing, so line 11's <registrationNumber> is unexpected.
    assert [(e["line"], e["field"]) for e in result.errors] == [(11, "registrationNumber")]
    assert documents_state() == state


def test_an_xml_value_error_names_the_element(docs):
    data = xml_file(xml_record(docs[0], "bad-number", url=url_for("x")))

    assert_refused(register_answer_import(data=data, filename="a.xml"), (3, "registrationNumber"))


def test_malformed_xml_is_refused_with_its_line(docs):
    data = xml_file(xml_record(docs[0], number_for(docs[0], 1))).replace(b"</record>", b"</recrod>")

    result = register_answer_import(data=data, filename="a.xml")

    assert_refused(result)
    assert result.errors[0]["line"] == 8


def test_an_xml_answer_for_another_center_is_refused(docs):
    data = xml_file(xml_record(docs[0], number_for(docs[0], 1)), qac="77.001")

    assert_refused(register_answer_import(data=data, filename="a.xml"), (2, "qac"))


def test_a_doctype_is_refused_and_entities_are_never_expanded(docs):
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE registerAnswer [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        + xml_file(xml_record(docs[0], "&x;")).split(b"\n", 1)[1]
    )

    result = register_answer_import(data=data, filename="a.xml")

    assert result.status == AnswerStatus.REFUSED
    assert "root:" not in str(result.errors)


def test_leading_whitespace_and_a_bom_before_the_xml_are_allowed(docs):
    data = b"\xef\xbb\xbf\n  " + xml_file(xml_record(docs[0], number_for(docs[0], 1))).split(b"\n", 1)[1]

    assert register_answer_import(data=data, filename="a.xml").status == AnswerStatus.APPLIED


# --- By hand ------------------------------------------------------------------------------------------


def test_staff_enter_a_number_by_hand(docs, staff):
    number = number_for(docs[0], 5)

    document, changed = register_number_enter(
        document=docs[0], number=number, issue_date=today(), register_url=url_for(number), by=staff
    )

    assert changed and document.number == number and document.number_source == NumberSource.REGISTER
    assert DocumentEvent.objects.get(document=document, action="numbered").data["source"] == "entered by hand"
    _document, again = register_number_enter(
        document=docs[0], number=number, issue_date=today(), register_url=url_for(number), by=staff
    )
    assert not again


@pytest.mark.parametrize("who", ["candidate", "expert"])
def test_only_staff_enter_numbers(docs, who, request):
    state = documents_state()
    with pytest.raises(AnswerError):
        register_number_enter(
            document=docs[0],
            number=number_for(docs[0], 5),
            issue_date=today(),
            register_url=url_for("x"),
            by=request.getfixturevalue(who),
        )
    assert documents_state() == state


def test_a_number_by_hand_follows_the_file_rules(docs, qualification, staff):
    number = number_for(docs[0], 5)
    register_number_enter(document=docs[0], number=number, issue_date=today(), register_url=url_for(number), by=staff)
    never_exported = make_document(qualification=qualification, staff=staff, exported=False)
    state = documents_state()

    attempts = [
        {"document": docs[1], "number": number},  # another document holds it
        {"document": docs[0], "number": number_for(docs[0], 6)},  # already numbered otherwise
        {"document": docs[1], "number": "31.004"},  # malformed
        {"document": never_exported, "number": number_for(never_exported, 7)},  # never reported
    ]
    for attempt in attempts:
        with pytest.raises(certificate_services.DocumentError):
            register_number_enter(issue_date=today(), register_url=url_for("x"), by=staff, **attempt)
    assert documents_state() == state


# --- The stand-in for the register --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xml"])
def test_the_stub_writes_a_valid_answer_that_imports_cleanly(docs, fmt):
    out = io.BytesIO()

    assert write_stub_answer(out, fmt) == 3

    data = out.getvalue()
    if fmt == "xml":
        assert etree.XMLSchema(etree.parse(str(SCHEMA))).validate(etree.fromstring(data))
    else:
        assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    result = register_answer_import(data=data, filename=f"stub.{fmt}")
    assert result.status == AnswerStatus.APPLIED, result.errors
    assert result.numbered == 3
    assert sorted(d.number for d in IssuedDocument.objects.all()) == [number_for(docs[0], i) for i in (1, 2, 3)]
    assert stub_answer_rows() == [], "nothing awaits a number any more"


def test_the_stub_continues_after_the_highest_number_of_its_code_and_year(docs, qualification, staff):
    register_answer_import(data=csv_file(row(docs[0], number_for(docs[0], 41))), filename="a.csv")
    other = make_document(qualification=make_qualification(), staff=staff)
    revoked = make_document(qualification=qualification, staff=staff, record_type=RecordType.REVOCATION)

    rows = stub_answer_rows()

    assert [(r["record_id"], r["registration_number"]) for r in rows] == [
        (docs[1].pk, number_for(docs[1], 42)),
        (docs[2].pk, number_for(docs[2], 43)),
        (other.pk, number_for(other, 1)),
    ]
    assert revoked.pk not in [r["record_id"] for r in rows], "a revocation record is never numbered"
    assert all(r["register_url"] == url_for(r["registration_number"]) for r in rows)


def test_the_stub_refuses_under_production_settings(docs, settings, tmp_path):
    settings.QAC_DEMO_DATA_ALLOWED = False

    with pytest.raises(StubRefused):
        stub_answer_rows()
    with pytest.raises(CommandError):
        call_command("register_stub_answer", "--output", str(tmp_path / "a.csv"))
    assert not (tmp_path / "a.csv").exists() or (tmp_path / "a.csv").read_bytes() == b""


def test_the_stub_command_says_it_is_not_the_register(docs, tmp_path, capsys):
    target = tmp_path / "answer.xml"

    call_command("register_stub_answer", "--output", str(target), "--format", "xml")

    captured = capsys.readouterr()
    assert "STAND-IN FOR THE REGISTER, NOT THE REGISTER" in captured.err
    assert "3 records" in captured.out
    assert target.read_bytes().startswith(b"<?xml")


# --- The command --------------------------------------------------------------------------------------


def test_the_import_command_prints_the_counts(docs, tmp_path, capsys):
    path = tmp_path / "answer.csv"
    path.write_bytes(csv_file(*good_rows(docs)))

    call_command("import_register_answer", str(path))

    assert "3 numbered now, 0 already numbered" in capsys.readouterr().out
    assert IssuedDocument.objects.filter(number_source=NumberSource.REGISTER).count() == 3


def test_the_import_command_fails_with_the_errors_on_refusal(docs, tmp_path, capsys):
    path = tmp_path / "answer.csv"
    path.write_bytes(csv_file(row(docs[0], "bad")))
    state = documents_state()

    with pytest.raises(CommandError) as excinfo:
        call_command("import_register_answer", str(path))

    assert excinfo.value.returncode == 1
    assert "registration_number" in capsys.readouterr().err
    assert documents_state() == state


def test_the_import_command_fails_on_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_register_answer", str(tmp_path / "nope.csv"))


# --- Two imports at once ------------------------------------------------------------------------------


@pytest.fixture
def committed_docs(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    staff = UserFactory(role=Role.STAFF)
    qualification = make_qualification()
    return [
        make_document(qualification=qualification, staff=staff, kind=kind)
        for kind in (Kind.CERTIFICATE, Kind.CONCLUSION, Kind.CERTIFICATE, Kind.CERTIFICATE)
    ]


def test_the_same_file_imported_twice_at_once_is_applied_exactly_once(committed_docs):
    data = csv_file(*good_rows(committed_docs))

    outcomes = run_at_once(
        lambda: register_answer_import(data=data, filename="a.csv"),
        lambda: register_answer_import(data=data, filename="a.csv"),
    )

    assert all(isinstance(o, AnswerImport) for o in outcomes), outcomes
    assert [o.status for o in outcomes] == [AnswerStatus.APPLIED] * 2, [o.errors for o in outcomes]
    assert sorted((o.numbered, o.already_numbered) for o in outcomes) == [(0, 4), (4, 0)]
    assert DocumentEvent.objects.filter(action="numbered").count() == 4
    assert sorted(IssuedDocument.objects.values_list("number", flat=True)) == [
        number_for(committed_docs[0], i) for i in (1, 2, 3, 4)
    ]


def test_two_files_listing_the_same_documents_in_opposite_orders_do_not_deadlock(committed_docs):
    rows = good_rows(committed_docs)
    forward, backward = csv_file(*rows), csv_file(*reversed(rows))

    outcomes = run_at_once(
        lambda: register_answer_import(data=forward, filename="forward.csv"),
        lambda: register_answer_import(data=backward, filename="backward.csv"),
        lambda: register_answer_import(data=forward, filename="forward-again.csv"),
    )

    assert all(isinstance(o, AnswerImport) and o.status == AnswerStatus.APPLIED for o in outcomes), outcomes
    assert sum(o.numbered for o in outcomes) == 4
    assert DocumentEvent.objects.filter(action="numbered").count() == 4


def test_two_files_giving_one_document_different_numbers_at_once_apply_only_one(committed_docs):
    first = csv_file(row(committed_docs[0], number_for(committed_docs[0], 1)))
    second = csv_file(row(committed_docs[0], number_for(committed_docs[0], 2)))

    outcomes = run_at_once(
        lambda: register_answer_import(data=first, filename="first.csv"),
        lambda: register_answer_import(data=second, filename="second.csv"),
    )

    assert sorted(o.status for o in outcomes) == [AnswerStatus.APPLIED, AnswerStatus.REFUSED], outcomes
    document = IssuedDocument.objects.get(pk=committed_docs[0].pk)
    winner = next(o for o in outcomes if o.status == AnswerStatus.APPLIED)
    assert document.number == number_for(document, 1 if winner.file_name == "first.csv" else 2)
    assert DocumentEvent.objects.filter(action="numbered").count() == 1


def test_the_answer_lock_row_is_the_one_named_in_the_docs():
    assert answers.ANSWER_LOCK == "register-answer"


def test_a_refused_file_queues_no_render(docs, qualification, staff, renders, django_capture_on_commit_callbacks):
    """The good rows were applied (and their renders queued) before the bad one: all of it is dropped."""
    undecided = make_document(qualification=qualification, staff=staff, decided=False)
    data = csv_file(*good_rows(docs), row(undecided, number_for(undecided, 9)))

    with django_capture_on_commit_callbacks(execute=True):
        result = register_answer_import(data=data, filename="a.csv")

    assert result.status == AnswerStatus.REFUSED
    assert renders == []
