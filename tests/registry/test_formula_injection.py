"""A candidate named as a spreadsheet formula lands neutralised in the registry CSV; the XML keeps the name."""

import pytest

from qac.exports import looks_like_formula
from qac.registry import services as registry
from tests.helpers.certificates import PASS, issue, make_candidate
from tests.helpers.registry import read_csv, read_xml
from tests.test_exports import ATTACKS

pytestmark = pytest.mark.django_db


@pytest.fixture
def attackers(make_exam):
    holders = [
        make_candidate(last_name=ATTACKS[0], first_name=ATTACKS[1], patronymic=ATTACKS[2]),
        make_candidate(last_name=ATTACKS[3], first_name="Иван", patronymic=""),
    ]
    built = make_exam([PASS, PASS], holders=holders)
    return issue(built.results, number=False)


def test_a_candidate_named_as_a_formula_lands_neutralised_in_the_registry_csv_and_exact_in_the_xml(attackers):
    outcome = registry.registry_export(trigger="test")
    _attrs, records = read_xml(outcome.batch.xml_file.path)
    rows = read_csv(outcome.batch.csv_file.path)

    by_id = {r["record_id"]: r for r in rows}
    first, second = (by_id[str(d.pk)] for d in attackers)
    assert (first["surname"], first["name"], first["patronymic"]) == tuple("'" + a for a in ATTACKS[:3])
    assert second["surname"] == "'@SUM(1)"
    assert second["name"] == "Иван"
    # Nothing in the file starts a formula any more.
    assert not any(looks_like_formula(cell) for row in rows for cell in row.values())

    xml = {r["id"]: r for r in records}
    assert xml[str(attackers[0].pk)]["candidate/surname"] == ATTACKS[0]
    assert xml[str(attackers[0].pk)]["candidate/name"] == ATTACKS[1]
    assert xml[str(attackers[0].pk)]["candidate/patronymic"] == ATTACKS[2]
    assert xml[str(attackers[1].pk)]["candidate/surname"] == ATTACKS[3]
