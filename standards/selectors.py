"""Read-side queries for the catalogue. Pages and other apps call these."""

import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .models import AssessmentCenter, Fee, PracticalTask, PublicPage, Qualification


def center_get() -> AssessmentCenter | None:
    """The center's identity row (None only before the data migration ran)."""
    return AssessmentCenter.objects.order_by("pk").first()


def qualification_list_active() -> QuerySet[Qualification]:
    """Active qualifications with everything the catalogue shows, in a fixed number of queries."""
    return (
        Qualification.objects.filter(is_active=True)
        .select_related("standard", "exam_spec")
        .prefetch_related(
            "required_documents",
            Prefetch(
                "exam_spec__tasks",
                queryset=PracticalTask.objects.prefetch_related("criteria"),
            ),
        )
        .order_by("code")
    )


def qualification_get_active(*, code: str) -> Qualification:
    """One active qualification by code; raises ``Qualification.DoesNotExist`` otherwise."""
    return qualification_list_active().get(code=code)


def public_pages() -> QuerySet[PublicPage]:
    """The published sections of the center's public information, in the head's order."""
    return PublicPage.objects.filter(is_published=True).order_by("position", "id")


def fees_in_force(*, today: datetime.date | None = None) -> list[tuple[Qualification, Fee | None]]:
    """Each active qualification with the fee in force on ``today``: the newest one not starting later.

    Two queries whatever the number of qualifications and fees; a qualification without a
    fee in force is listed with ``None`` (the page then says the price is on request).
    """
    today = today or timezone.localdate()
    qualifications = (
        Qualification.objects.filter(is_active=True)
        .prefetch_related(
            Prefetch(
                "fees",
                queryset=Fee.objects.filter(valid_from__lte=today).order_by("-valid_from"),
                to_attr="fees_so_far",
            )
        )
        .order_by("code")
    )
    return [(q, q.fees_so_far[0] if q.fees_so_far else None) for q in qualifications]
