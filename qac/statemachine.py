"""One way to move a record along its state machine (issue 15, README "Architecture").

Every state machine in the project (an application, an exam session, an offer of
dates, a Council package or decision, a duplicate request, an appeal, a contract, a
destruction act ...) is described by one :class:`Machine`: the model, its history
model, and one transitions table ``{(from, to): who}``. :func:`move` is then the
single door through which its status changes: it locks the row, checks the version
the user saw and the table, applies the move and the fields that go with it, and
writes the history row, all in one transaction. An app keeps only what is its own:
the table, the messages, and what else happens beside a move.

``who`` in a table is one actor (``"staff"``), several (a tuple or a set of them), or
anything at all when the table does not care who moves (a set of pairs).

Every history model is a :class:`TransitionRecord`: the fields :func:`move` writes
(from, to, by whom, when, the note), the order and the name of a row, declared once.
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

#: The labels of ``from_status`` and ``to_status`` most history models show, and the
#: shorter ones of the candidates' and the contracts' (each keeps its own in the admin).
STATUS_LABELS = (_("previous status"), _("new status"))
SHORT_LABELS = (_("from"), _("to"))
BY_LABEL = _("by whom")


def status_fields(statuses, *, max_length=16, labels=STATUS_LABELS, to_blank=False):
    """A history model's ``from_status`` and ``to_status`` for ``statuses`` (a ``TextChoices``).

    ``from_status, to_status = status_fields(AppealStatus)``; ``from_status`` is empty
    for the row that records a creation.
    """
    before, after = labels
    return (
        models.CharField(before, max_length=max_length, choices=statuses.choices, blank=True),
        models.CharField(after, max_length=max_length, choices=statuses.choices, blank=to_blank),
    )


def done_by(*, null=False, verbose_name=BY_LABEL):
    """Who made a move: a user kept as long as their moves are (``null``: the system may move too)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name="+",
        verbose_name=verbose_name,
    )


class TransitionRecord(models.Model):
    """One row of a state machine's history; a subclass adds its ``link`` to the record and its statuses.

    Subclasses override a field where theirs differs (a nullable ``by``, other labels):
    each keeps the columns it always had.
    """

    #: The name of the foreign key to the record that moves (``move`` writes it).
    link = ""

    by = done_by()
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("when"))
    note = models.TextField(blank=True, verbose_name=_("note"))

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        record = getattr(self, f"{self.link}_id")
        return f"{record}: {self.from_status or '-'} -> {self.to_status or '-'}"


@dataclass(frozen=True)
class Machine:
    model: type[models.Model]
    #: The history model (a :class:`TransitionRecord`; its ``link`` names the foreign key to ``model``).
    history: type[models.Model]
    #: ``{(from, to): who}``; a plain collection of pairs when any actor may make every move.
    table: Mapping[tuple[str, str], object] | Collection[tuple[str, str]]
    #: The exception a refused move raises, and its message: a (lazy) string with
    #: ``%(status)s`` and ``%(to)s`` (the labels), or a callable ``(locked, to) -> str``.
    error: type[Exception]
    refusal: object
    #: Raised, with ``stale``, when the record changed since the user saw it (``expected_version``).
    stale: object = None
    stale_error: type[Exception] | None = None
    #: Whether the model counts its versions (a ``version`` field bumped at every move).
    versioned: bool = True
    #: Related rows to read with the locked one (only the row itself is locked).
    lock_related: tuple[str, ...] = ()

    def allows(self, frm: str, to: str, actor: str | None = None) -> bool:
        """Whether ``actor`` may move a record from ``frm`` to ``to`` by the table."""
        if not isinstance(self.table, Mapping):
            return (frm, to) in self.table
        if (frm, to) not in self.table:
            return False
        who = self.table[(frm, to)]
        if isinstance(who, (tuple, list, set, frozenset)):
            return actor in who
        return actor is None or who == actor

    def moves_from(self, status: str, actor: str | None = None) -> set[str]:
        """The statuses ``actor`` may move a record in ``status`` to."""
        return {to for frm, to in self.table if frm == status and self.allows(frm, to, actor)}

    def label(self, status: str) -> str:
        return dict(self.model._meta.get_field("status").flatchoices).get(status, status)

    def refusal_message(self, locked, to: str) -> str:
        if callable(self.refusal):
            return self.refusal(locked, to)
        return str(self.refusal) % {"status": locked.get_status_display(), "to": self.label(to)}

    def lock(self, pk):
        rows = self.model.objects.select_for_update(of=("self",))
        if self.lock_related:
            rows = rows.select_related(*self.lock_related)
        return rows.get(pk=pk)


def move(
    machine: Machine,
    record: models.Model,
    to: str,
    *,
    by=None,
    actor: str | None = None,
    note: str = "",
    expected_version: int | None = None,
    changes: Mapping | None = None,
    entry: Mapping | None = None,
    effect: Callable | None = None,
):
    """Move ``record`` to ``to``; returns ``(locked, history_row)``. Nothing is written if a check fails.

    ``changes`` are set on the record with the move; ``entry`` are extra fields of the
    history row. ``effect(locked)`` runs inside the transaction once the move is checked
    and applied, before anything is saved; it may refuse by raising, and the fields it
    returns (a dict, or None) are added to the history row.
    """
    with transaction.atomic():
        locked = machine.lock(record.pk)
        if expected_version is not None and machine.versioned and locked.version != expected_version:
            stale = machine.stale(locked) if callable(machine.stale) else machine.stale
            raise (machine.stale_error or machine.error)(str(stale) % {"status": locked.get_status_display()})
        if not machine.allows(locked.status, to, actor):
            raise machine.error(machine.refusal_message(locked, to))
        from_status = locked.status
        locked.status = to
        if machine.versioned:
            locked.version += 1
        for field, value in (changes or {}).items():
            setattr(locked, field, value)
        extra = dict(entry or {})
        if effect is not None:
            extra.update(effect(locked) or {})
        locked.save()
        fields = {machine.history.link: locked, "from_status": from_status, "to_status": to, "by": by, "note": note}
        row = machine.history.objects.create(**(fields | extra))
    return locked, row
