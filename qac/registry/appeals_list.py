"""The appeals commission's list in the registry export (Order 649n p.11, p.15): one ``appeal`` element per
decided appeal, after the records. Rows come from ``qac.appeals.selectors.register_appeal_rows``; the
export marks them reported (``qac.appeals.services.appeals_mark_reported``) in its own transaction."""

from lxml import etree

from qac.appeals import selectors as appeal_selectors
from qac.appeals import services as appeal_services

RECORD_TYPE = "appeal"


def appeal_element(row: dict):
    el = etree.Element("appeal", id=str(row["pk"]))

    def sub(parent, name, text):
        child = etree.SubElement(parent, name)
        child.text = str(text)
        return child

    sub(el, "activityType", row["activity"])
    q = etree.SubElement(el, "qualification")
    sub(q, "code", row["q_code"])
    sub(q, "name", row["q_name"])
    sub(q, "level", row["q_level"])
    sub(el, "received", row["received"].isoformat())
    grounds = etree.SubElement(el, "grounds")
    for ground in row["grounds"]:
        sub(grounds, "ground", ground)
    etree.SubElement(
        el,
        "commissionDecision",
        result=row["decision"],
        number=row["decision_number"],
        date=row["decided_on"].isoformat(),
    )
    return el


def write_appeals(xf) -> list[int]:
    """Write the decided appeals not reported yet into the open export; returns their ids."""
    ids = []
    for row in appeal_selectors.register_appeal_rows():
        xf.write(appeal_element(row))
        ids.append(row["pk"])
    return ids


def mark_appeals(ids: list[int], batch_id: int) -> None:
    appeal_services.appeals_mark_reported(appeal_ids=ids, batch_id=batch_id)
