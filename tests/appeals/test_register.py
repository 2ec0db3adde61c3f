"""Decided appeals reach the registry export as the 649n p.11 list, once, valid against the schema."""

from pathlib import Path

from django.test import TestCase
from django.utils import timezone
from lxml import etree

from qac.appeals import services
from qac.appeals.models import Appeal
from qac.registry.services import SCHEMA_PATH, registry_export
from tests.helpers.appeals import file_appeal, forward


def appeals_in(path) -> list:
    tree = etree.parse(str(path))
    etree.XMLSchema(etree.parse(str(SCHEMA_PATH))).assertValid(tree)
    return tree.getroot().findall("appeal")


def reject(appeal, staff):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.appeal_decide(
            appeal=appeal, by=staff, satisfied=False, number="АК-9", decided_on=timezone.localdate(), text="Отказать."
        )


def test_a_decided_appeal_is_exported_once_without_personal_data(application, candidate, staff):
    undecided_then = forward(file_appeal(application, candidate), staff)
    nothing = registry_export(trigger="manual", by=staff)
    assert nothing.batch is None or not nothing.batch.counts.get("appeal")

    appeal = reject(undecided_then, staff)
    outcome = registry_export(trigger="manual", by=staff)

    xml = next(p for p in outcome.paths if p.endswith(".xml"))
    (element,) = appeals_in(xml)
    assert element.get("id") == str(appeal.pk)
    assert element.findtext("qualification/code") == application.qualification.code
    assert element.findtext("received") == appeal.filed_on.isoformat()
    assert [g.text for g in element.find("grounds")] == ["result"]
    decision = element.find("commissionDecision")
    assert (decision.get("result"), decision.get("number")) == ("rejected", "АК-9")
    text = Path(xml).read_text(encoding="utf-8")
    assert candidate.last_name not in text.split("<appeal ", 1)[1]
    assert outcome.batch.counts["appeal"] == 1
    assert Appeal.objects.get(pk=appeal.pk).register_batch_id == outcome.batch.pk

    again = registry_export(trigger="manual", by=staff)
    assert again.batch is None or "appeal" not in again.batch.counts
