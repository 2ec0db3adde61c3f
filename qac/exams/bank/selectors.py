"""Reads for the question bank's pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from qac.exams.models import Choice, Question
from standards.models import ExamSpecification, Qualification


def qualification_get_for_staff(*, pk: int) -> Qualification:
    """The qualification whose bank a member of staff opens (the view checks the role); 404 if none."""
    return get_object_or_404(Qualification.objects.select_related("exam_spec"), pk=pk)


@dataclass
class BankSummary:
    qualification: Qualification
    needed: int | None  # questions in one variant, from the exam specification
    topics: list[dict] = field(default_factory=list)  # {"topic", "total", "active"}
    total: int = 0
    active: int = 0
    demo: int = 0

    @property
    def is_demo(self) -> bool:
        return bool(self.total) and self.demo == self.total

    @property
    def has_demo(self) -> bool:
        return bool(self.demo)

    @property
    def short(self) -> bool:
        return self.needed is not None and self.active < self.needed


def _add_topic_counts(summaries: dict[int, BankSummary], questions: QuerySet[Question]) -> None:
    counts = (
        questions.values("qualification_id", "topic")
        .annotate(
            total=Count("id"),
            active=Count("id", filter=Q(is_active=True)),
            demo=Count("id", filter=Q(is_demo=True)),
        )
        .order_by("qualification_id", "topic")
    )
    for row in counts:
        summary = summaries[row["qualification_id"]]
        summary.topics.append({"topic": row["topic"], "total": row["total"], "active": row["active"]})
        summary.total += row["total"]
        summary.active += row["active"]
        summary.demo += row["demo"]


def _needed(qualification: Qualification) -> int | None:
    try:
        return qualification.exam_spec.theory_question_count
    except ExamSpecification.DoesNotExist:
        return None


def bank_overview() -> list[BankSummary]:
    """Every qualification with its bank's size per topic; two queries whatever the bank's size."""
    summaries = {
        q.pk: BankSummary(qualification=q, needed=_needed(q))
        for q in Qualification.objects.select_related("exam_spec").order_by("code")
    }
    _add_topic_counts(summaries, Question.objects.all())
    return list(summaries.values())


def bank_summary(*, qualification: Qualification) -> BankSummary:
    summary = BankSummary(qualification=qualification, needed=_needed(qualification))
    _add_topic_counts({qualification.pk: summary}, Question.objects.filter(qualification=qualification))
    return summary


def bank_questions(*, qualification: Qualification, topic: str = "") -> QuerySet[Question]:
    qs = Question.objects.filter(qualification=qualification)
    if topic:
        qs = qs.filter(topic=topic)
    return qs.order_by("topic", "external_id").prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("position", "id"))
    )
