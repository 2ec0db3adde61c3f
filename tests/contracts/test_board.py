import datetime

import pytest
from django.utils import timezone

from qac.contracts import services
from qac.contracts.selectors import board_items
from tests.helpers.contracts import PRICE

pytestmark = pytest.mark.django_db


def by_key(today=None):
    return {item["key"]: item for item in board_items(today=today or timezone.localdate())}


def test_the_board_counts_drafts_unpaid_invoices_and_enrolments_waiting_for_payment(
    employer_contract, own_contract, make_application, staff, client
):
    make_application()  # accepted, no contract at all
    services.contract_send(contract=employer_contract, by=staff)
    items = by_key()
    assert set(items) == {"contracts_to_send", "invoices_unpaid", "enrolments_blocked_by_payment"}
    assert all(set(i) == {"key", "label", "count", "due", "url"} for i in items.values())
    assert items["contracts_to_send"]["count"] == 1
    assert items["contracts_to_send"]["due"] == own_contract.date
    assert items["invoices_unpaid"]["count"] == 1
    assert items["enrolments_blocked_by_payment"]["count"] == 5  # 3 employees + the candidate + the one without
    client.force_login(staff)
    for item in items.values():
        assert client.get(item["url"]).status_code == 200

    services.payment_record(
        contract=own_contract, by=staff, paid_on=timezone.localdate(), amount=PRICE, document_number="1"
    )
    services.contract_guarantee(contract=employer_contract, by=staff, note="Письмо № 3")
    items = by_key(timezone.localdate() + datetime.timedelta(days=1))
    assert [items[k]["count"] for k in ("contracts_to_send", "invoices_unpaid", "enrolments_blocked_by_payment")] == [
        0,
        0,
        1,
    ]
    assert items["contracts_to_send"]["due"] is None
