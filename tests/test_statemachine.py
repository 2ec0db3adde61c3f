"""qac.statemachine: the one door every state machine moves through (issue 15)."""

import datetime

import pytest
from django.utils import translation

from candidates.services.applications import APPLICATION
from candidates.services.change_requests import CHANGE_REQUEST
from qac.appeals.services import APPEAL
from qac.certificates.services.duplicates import DUPLICATE
from qac.contracts.rules import CONTRACT
from qac.council.services import DECISION, PACKAGE
from qac.exams.offers import OFFER
from qac.exams.services.sessions import SESSION
from qac.registry.services import BATCH
from qac.retention.models import ActStatus, ActTransition, DestructionAct
from qac.retention.services import ACT
from qac.statemachine import Machine, TransitionRecord, move

A = ActStatus


class Refused(Exception):
    pass


class Stale(Exception):
    pass


def machine(table, **kwargs) -> Machine:
    options = {
        "model": DestructionAct,
        "history": ActTransition,
        "table": table,
        "error": Refused,
        "refusal": "«%(status)s» -> «%(to)s»",
    }
    return Machine(**(options | kwargs))


ACTORS = {(A.PROPOSED, A.APPROVED): "head", (A.PROPOSED, A.REJECTED): ("head", "system")}


def test_one_actor_per_move():
    m = machine(ACTORS)
    assert m.allows(A.PROPOSED, A.APPROVED, "head")
    assert not m.allows(A.PROPOSED, A.APPROVED, "system")
    assert not m.allows(A.APPROVED, A.PROPOSED, "head")


def test_several_actors_per_move():
    m = machine(ACTORS)
    assert m.allows(A.PROPOSED, A.REJECTED, "system")
    assert not m.allows(A.PROPOSED, A.REJECTED, "candidate")
    assert not m.allows(A.PROPOSED, A.REJECTED)


def test_a_set_of_pairs_lets_anyone_move():
    m = machine({(A.PROPOSED, A.APPROVED)})
    assert m.allows(A.PROPOSED, A.APPROVED, "anyone")
    assert not m.allows(A.PROPOSED, A.REJECTED, "anyone")


def test_moves_from_a_status():
    m = machine(ACTORS)
    assert m.moves_from(A.PROPOSED, "head") == {A.APPROVED, A.REJECTED}
    assert m.moves_from(A.PROPOSED, "system") == {A.REJECTED}
    assert m.moves_from(A.APPROVED, "head") == set()


def _act(**kwargs) -> DestructionAct:
    return DestructionAct.objects.create(number="T-1", proposed_on=datetime.date(2026, 12, 1), trigger="t", **kwargs)


@pytest.mark.django_db
def test_move_changes_the_row_and_writes_its_history(django_user_model):
    head = django_user_model.objects.create_user("head")
    act = _act()
    locked, row = move(
        machine(ACTORS), act, A.APPROVED, by=head, actor="head", note="ok", changes={"decision_note": "why"}
    )
    act.refresh_from_db()
    assert (act.status, act.version, act.decision_note) == (A.APPROVED, 2, "why")
    assert locked.pk == act.pk and locked.status == A.APPROVED
    assert (row.act_id, row.from_status, row.to_status, row.by, row.note) == (
        act.pk,
        A.PROPOSED,
        A.APPROVED,
        head,
        "ok",
    )


@pytest.mark.django_db
def test_a_refused_move_writes_nothing():
    act = _act()
    with translation.override("en"), pytest.raises(Refused, match="«Awaiting the head's approval» -> «Carried out»"):
        move(machine(ACTORS), act, A.EXECUTED, actor="head", changes={"decision_note": "x"})
    act.refresh_from_db()
    assert (act.status, act.version, act.decision_note) == (A.PROPOSED, 1, "")
    assert not ActTransition.objects.exists()


@pytest.mark.django_db
def test_a_stale_version_is_refused_with_its_own_error():
    act = _act()
    m = machine(ACTORS, stale="changed, now %(status)s", stale_error=Stale)
    with translation.override("en"), pytest.raises(Stale, match="changed, now Awaiting"):
        move(m, act, A.APPROVED, actor="head", expected_version=7)
    assert DestructionAct.objects.get().version == 1


@pytest.mark.django_db
def test_an_effect_that_refuses_rolls_the_move_back():
    act = _act()

    def effect(locked):
        assert locked.status == A.APPROVED
        raise Refused("no")

    with pytest.raises(Refused):
        move(machine(ACTORS), act, A.APPROVED, actor="head", effect=effect)
    assert DestructionAct.objects.get().status == A.PROPOSED
    assert not ActTransition.objects.exists()


@pytest.mark.django_db
def test_an_effect_adds_fields_to_the_history_row():
    act = _act()
    _locked, row = move(machine(ACTORS), act, A.REJECTED, actor="system", effect=lambda locked: {"note": "by effect"})
    assert row.note == "by effect"


@pytest.mark.django_db
def test_a_callable_refusal_reads_the_locked_row():
    act = _act()
    m = machine(ACTORS, refusal=lambda locked, to: f"{locked.number}: {to}")
    with pytest.raises(Refused, match="T-1: executed"):
        move(m, act, A.EXECUTED, actor="system")


MACHINES = [APPLICATION, CHANGE_REQUEST, CONTRACT, SESSION, OFFER, PACKAGE, DECISION, DUPLICATE, APPEAL, BATCH, ACT]


@pytest.mark.parametrize("m", MACHINES, ids=lambda m: m.history.__name__)
def test_every_history_is_a_transition_record_linked_to_its_machines_model(m):
    assert issubclass(m.history, TransitionRecord)
    assert m.history._meta.get_field(m.history.link).related_model is m.model


@pytest.mark.django_db
def test_a_history_row_names_its_record_and_both_statuses(django_user_model):
    act = _act()
    created = ActTransition.objects.create(act=act, to_status=A.PROPOSED)
    _locked, row = move(machine(ACTORS), act, A.APPROVED, by=django_user_model.objects.create_user("h"), actor="head")
    assert (str(created), str(row)) == (f"{act.pk}: - -> proposed", f"{act.pk}: proposed -> approved")
    assert list(ActTransition.objects.all()) == [created, row]
