"""What a destruction act says of each record it lists: (pk, label, date) rows from a due queryset.

The act names the person whose data it destroys (an act of destruction of personal data must
identify the subject), so the label is captured when the act is proposed and stays in the act.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone

from .models import RecordKind

Row = tuple[int, str, object]


def _person(application) -> str:
    person = application.applicant
    return person.get_short_name() if person is not None else ""


def applications(rows) -> Iterator[Row]:
    for a in rows.select_related("identity", "candidate", "qualification").order_by("pk").iterator(chunk_size=1000):
        number = a.number or f"#{a.pk}"
        yield a.pk, f"{number}: {_person(a)}, {a.qualification.code}, {a.get_status_display()}", None


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
