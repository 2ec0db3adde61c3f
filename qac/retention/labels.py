"""What a destruction act says of each record it lists: (pk, label, date) rows from a due queryset.

The act names the person whose data it destroys (an act of destruction of personal data must
identify the subject), so the label is captured when the act is proposed and stays in the act.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone

from candidates.models import ApplicationStatus

from .models import RecordKind

Row = tuple[int, str, object]


def _short_name(last: str | None, first: str | None, patronymic: str | None) -> str:
    initials = " ".join(f"{p[0]}." for p in (first, patronymic) if p)
    return f"{last or ''} {initials}".strip()


def applications(rows) -> Iterator[Row]:
    """Plain values, not model instances: this runs over every due application (100 000 on a first night)."""
    status = {value: str(label) for value, label in ApplicationStatus.choices}
    fields = ("pk", "number", "status", "qualification__code")
    identity = ("identity__last_name", "identity__first_name", "identity__patronymic")
    account = ("candidate__last_name", "candidate__first_name", "candidate__patronymic")
    for row in rows.order_by("pk").values_list(*fields, *identity, *account).iterator(chunk_size=2000):
        pk, number, state, code = row[:4]
        # The person as the application was submitted; the account for a draft never submitted.
        person = _short_name(*row[4:7]) if row[4] is not None else _short_name(*row[7:10])
        yield pk, f"{number or f'#{pk}'}: {person}, {code}, {status.get(state, state)}", None


def sessions(rows) -> Iterator[Row]:
    for s in rows.select_related("qualification").order_by("pk"):
        day = timezone.localtime(s.starts_at).strftime("%d.%m.%Y")
        yield s.pk, f"{s.qualification.code}, {day}: протокол, пакет для Совета", None


def identity_changes(rows) -> Iterator[Row]:
    for r in rows.select_related("candidate").order_by("pk"):
        day = timezone.localtime(r.decided_at).strftime("%d.%m.%Y")
        yield r.pk, f"#{r.pk}: {r.candidate.get_short_name()}, {day}", None


def accounts(rows) -> Iterator[Row]:
    for u in rows.order_by("pk").distinct():
        yield u.pk, f"{u.get_short_name()} <{u.email}>", None


def withdrawals(rows) -> Iterator[Row]:
    for w in rows.select_related("candidate").order_by("pk"):
        day = timezone.localtime(w.received_at).strftime("%d.%m.%Y")
        yield w.pk, f"{w.candidate.get_short_name()} <{w.candidate.email}>, {day}", w.due_on


LABELS: dict[str, object] = {
    RecordKind.APPLICATION_FILE: applications,
    RecordKind.APPLICATION_UNEXAMINED: applications,
    RecordKind.SESSION_MATERIALS: sessions,
    RecordKind.IDENTITY_CHANGE: identity_changes,
    RecordKind.CANDIDATE_ACCOUNT: accounts,
    RecordKind.CONSENT_WITHDRAWAL: withdrawals,
}
