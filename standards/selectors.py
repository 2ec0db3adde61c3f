"""Read-side queries for the catalogue. Pages and other apps call these."""

from django.db.models import Prefetch, QuerySet

from .models import AssessmentCenter, PracticalTask, Qualification


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
