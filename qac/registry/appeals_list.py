"""The appeals commission's list in the registry export (Order 649n p.11, p.15): one ``appeal`` element per
decided appeal, after the records. Rows come from ``qac.appeals.selectors.register_appeal_rows``; the
export marks them reported (``qac.appeals.services.appeals_mark_reported``) in its own transaction.

The list is about the commission's work, not the person: no personal data, and no line in the
documents' CSV (whose columns are a person's).
"""

from qac.appeals import selectors as appeal_selectors
from qac.appeals import services as appeal_services

from . import writer

RECORD_TYPE = "appeal"


def _element(row: dict) -> str:
    """The element as text, escaped as libxml2 serialises it (the writer's rule for every record)."""
    t = writer.text
    grounds = "".join(f"<ground>{t(g)}</ground>" for g in row["grounds"])
    decision = (
        f'<commissionDecision result="{writer.attr(row["decision"])}" number="{writer.attr(row["decision_number"])}"'
        f' date="{writer.iso(row["decided_on"])}"/>'
    )
    return (
        f'<appeal id="{row["pk"]}"><activityType>{t(row["activity"])}</activityType>'
        f"<qualification><code>{t(row['q_code'])}</code><name>{t(row['q_name'])}</name>"
        f"<level>{t(row['q_level'])}</level></qualification>"
        f"<received>{writer.iso(row['received'])}</received><grounds>{grounds}</grounds>{decision}</appeal>"
    )


def section() -> writer.Section:
    """The decided appeals not reported yet, after the documents."""
    return writer.Section(
        name="appeals",
        sources=lambda: [(RECORD_TYPE, appeal_selectors.register_appeal_rows())],
        records=lambda record_type, rows, qac: ((row["pk"], _element(row).encode(), None, "") for row in rows),
    )


def mark_appeals(ids: list[int], batch_id: int) -> None:
    appeal_services.appeals_mark_reported(appeal_ids=ids, batch_id=batch_id)
