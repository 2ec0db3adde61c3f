"""The export's quick way of writing a plain record gives the bytes of the long way, for every row.

``document_records._records`` writes most records from templates and sends every other one
through ``_checked`` (the reasons that hold it back, or ``_record``'s element and CSV cells).
These tests feed both the same rows, plain and each kind of unusual, and compare.
"""

import datetime

import pytest
from django.utils import translation

from qac.registry import document_records
from qac.registry.models import RecordType

EXAM = datetime.date(2026, 11, 30)
COUNCIL = datetime.date(2026, 12, 1)
NUMBER = "31.00700.01.00000001.26"
ORIGINAL = "31.00700.01.00000002.26"


def row(**changes) -> tuple:
    """A pending document as the selector streams it: a tuple in DOCUMENT_COLUMNS order."""
    values = {
        "pk": 7,
        "number": "",
        "exam_date": EXAM,
        "issue_date": None,
        "valid_until": None,
        "revoked_on": None,
        "revoked_reason": "",
        "holder_last_name": "Киселёв",
        "holder_first_name": "Евгений",
        "holder_patronymic": "Михайлович",
        "chair_last": "Кузнецов",
        "chair_first": "Дмитрий",
        "chair_patronymic": "Сергеевич",
        "q_code": "31.00700.01",
        "q_name": "Слесарь механосборочных работ (3 уровень квалификации)",
        "q_level": 3,
        "birth_date": datetime.date(1983, 11, 5),
        "snils": "20000001323",
        "decision": "passed",
        "decision_number": "V-1",
        "decision_date": COUNCIL,
        "original_number": None,
        "number_source": "awaiting",
        "kind": "certificate",
        **changes,
    }
    assert set(values) == set(document_records.COLUMNS)
    return tuple(values[name] for name in document_records.COLUMNS)


REGISTERED = {
    "number": NUMBER,
    "number_source": "register",
    "issue_date": datetime.date(2026, 12, 20),
    "valid_until": datetime.date(2029, 12, 20),
}
ROWS = {
    "plain": row(),
    "no patronymic": row(holder_patronymic=""),
    "chair without patronymic": row(chair_patronymic="", chair_first=None),
    "failed": row(decision="failed"),
    "numbered by the register": row(**REGISTERED),
    "numbered, revoked": row(**REGISTERED, revoked_on=datetime.date(2027, 1, 5), revoked_reason="Решение суда"),
    "with the original's number": row(original_number=ORIGINAL, **REGISTERED),
    "an ampersand": row(holder_last_name="О'Брайен & Ко"),
    "angle brackets": row(q_name="Слесарь <3 уровень>"),
    "a quote": row(decision_number='V-"1"'),
    "a semicolon": row(holder_first_name="Анна;Мария"),
    "a carriage return": row(holder_last_name="Иванов\r"),
    "a line feed": row(chair_last="Кузнецов\nПетров"),
    "a tab": row(holder_patronymic="Ивано\tвич"),
    "a control character": row(holder_first_name="Ев\x01гений"),
    "a non-character": row(q_name="Слесарь\ufffe"),
    "a formula": row(holder_last_name="=HYPERLINK(1)"),
    "a plus": row(holder_first_name="+7"),
    "a minus in the council number": row(decision_number="-1"),
    "an at": row(chair_first="@x"),
    "an apostrophe": row(holder_patronymic="'=1"),
    "a leading space": row(holder_last_name=" =1"),
    "a leading no-break space": row(chair_last="\xa0Кузнецов"),
    "a private use character": row(holder_last_name="Ива\ue000=нов"),
    "a long surname": row(holder_last_name="Я" * 501),
    "long texts, each short enough": row(holder_last_name="Я" * 300, holder_first_name="Я" * 300),
    "a long qualification name": row(q_name="Я" * 501),
    "no SNILS": row(snils=""),
    "no identity": row(snils=None, birth_date=None),
    "a short SNILS": row(snils="2000000132"),
    "a SNILS with a line feed": row(snils="20000001323\n"),
    "a SNILS in other digits": row(snils="٢٠٠٠٠٠٠١٣٢٣"),
    "a malformed number": row(number="31.007", number_source="register"),
    "a malformed original": row(original_number="x"),
    "no council decision": row(decision_number=None, decision_date=None),
    "no chair": row(chair_last=None, chair_first=None, chair_patronymic=None),
    "no surname": row(holder_last_name=""),
    "no decision": row(decision=""),
    "no level": row(q_level=None),
    "no birth date": row(birth_date=None),
}


@pytest.mark.parametrize("sessions", [document_records._SESSIONS, 1], ids=["memo", "memo-of-one"])
@pytest.mark.parametrize("qac", ["78.033", "=78;033"])
@pytest.mark.parametrize("record_type", list(RecordType))
def test_the_quick_way_writes_what_the_long_way_writes(record_type, qac, sessions, monkeypatch):
    monkeypatch.setattr(document_records, "_SESSIONS", sessions)
    rows = list(ROWS.values())
    quick = list(document_records._records(record_type, rows, qac))
    long_way = [document_records._checked(record_type, r, qac) for r in rows]
    for name, got, expected in zip(ROWS, quick, long_way, strict=True):
        assert got == expected, name


def test_a_plain_record_takes_the_quick_way_and_an_unusual_one_the_long(monkeypatch):
    taken = []
    real = document_records._checked
    monkeypatch.setattr(document_records, "_checked", lambda *a: taken.append(a[1]) or real(*a))
    rows = [ROWS["plain"], ROWS["numbered by the register"], ROWS["an ampersand"], ROWS["no SNILS"]]

    with translation.override("en"):
        written = list(document_records._records(RecordType.CERTIFICATE, rows, "78.033"))

    assert taken == rows[2:]
    assert [held for _pk, _xml, _line, held in written][:3] == ["", "", ""]
    assert written[0][1].startswith(b'<record id="7"><type>certificate</type>')
    assert "SNILS" in written[3][3]
