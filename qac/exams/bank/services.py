"""The question bank's one write: import a file, all or nothing."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Prefetch
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from qac.exams.models import Answer, Choice, Question, TheoryAttempt
from standards.models import Qualification

from . import formats
from .formats import ImportIssue, ImportReport, QuestionRow, Refused
from .importers import check_rows
from .readers import READERS

logger = logging.getLogger(__name__)


# --- Import ----------------------------------------------------------------------------------


def bank_import(*, qualification: Qualification, data: bytes, fmt: str, by) -> ImportReport:
    """Check the whole file, then create or update its questions by code, all or nothing."""
    report = ImportReport()
    try:
        if fmt not in READERS:
            raise Refused(_("Choose a CSV, XLSX or JSON file."))
        if len(data) > formats.MAX_IMPORT_BYTES:
            raise Refused(
                _("The file is %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(len(data)), "limit": filesizeformat(formats.MAX_IMPORT_BYTES)}
            )
        if not data.strip():
            raise Refused(_("The file is empty."))
        raws, issues = READERS[fmt](data)
    except Refused as exc:
        report.errors.append(ImportIssue(None, None, str(exc)))
        return report
    if len(raws) > formats.MAX_IMPORT_ROWS:
        report.errors.append(
            ImportIssue(
                None,
                None,
                _("The file has %(count)s questions; one import takes at most %(limit)s.")
                % {"count": len(raws), "limit": formats.MAX_IMPORT_ROWS},
            )
        )
        return report
    if not raws and not issues:
        report.errors.append(ImportIssue(None, None, _("The file holds no questions.")))
        return report
    rows = check_rows(raws, issues)
    if issues:
        report.errors = issues
        return report
    with transaction.atomic():
        _save(qualification=qualification, rows=rows, report=report)
        if report.errors:
            transaction.set_rollback(True)
            report.created = report.updated = report.unchanged = 0
            return report
    logger.info(
        "question bank %s imported by user %s: %s created, %s updated, %s unchanged",
        qualification.code,
        getattr(by, "pk", None),
        report.created,
        report.updated,
        report.unchanged,
    )
    return report


_UPDATED_FIELDS = ("topic", "text", "kind", "weight", "is_active")


def _save(*, qualification: Qualification, rows: list[QuestionRow], report: ImportReport) -> None:
    # One import of a bank at a time: a second one waits here, then sees the first one's questions.
    Qualification.objects.select_for_update().only("pk").get(pk=qualification.pk)
    existing = {
        q.external_id: q
        for q in Question.objects.filter(qualification=qualification).prefetch_related(
            Prefetch("choices", queryset=Choice.objects.order_by("position", "id"))
        )
    }
    new_rows, changed_fields, changed_choices = [], [], []
    for row in rows:
        question = existing.get(row.code)
        if question is None:
            new_rows.append(row)
            continue
        fields = {"topic": row.topic, "text": row.text, "kind": row.kind, "weight": row.weight, "is_active": row.active}
        differs = any(getattr(question, name) != value for name, value in fields.items())
        choices_differ = [(c.text, c.is_correct) for c in question.choices.all()] != row.choice_tuples()
        if differs:
            for name, value in fields.items():
                setattr(question, name, value)
            changed_fields.append(question)
        if choices_differ:
            changed_choices.append((question, row))
        if differs or choices_differ:
            report.updated += 1
        else:
            report.unchanged += 1

    _refuse_changes_to_questions_in_use(changed_choices, report)
    if report.errors:
        return

    created = Question.objects.bulk_create(
        [
            Question(
                qualification=qualification,
                external_id=row.code,
                topic=row.topic,
                text=row.text,
                kind=row.kind,
                weight=row.weight,
                is_active=row.active,
            )
            for row in new_rows
        ]
    )
    report.created = len(created)
    Question.objects.bulk_update(changed_fields, list(_UPDATED_FIELDS), batch_size=500)
    Choice.objects.filter(question__in=[q for q, _row in changed_choices]).delete()
    Choice.objects.bulk_create(
        [
            Choice(question=question, text=text, is_correct=is_correct, position=position)
            for question, row in [*zip(created, new_rows, strict=True), *changed_choices]
            for position, (text, is_correct) in enumerate(row.choice_tuples(), start=1)
        ]
    )


def _refuse_changes_to_questions_in_use(changed: list[tuple[Question, QuestionRow]], report: ImportReport) -> None:
    """Answers hold the ids of the options the candidate chose: those options must not be replaced.

    A question already answered, or in a test under way, keeps its options
    and correct answers; the fix is a new question (a new code) and the
    old one set inactive.
    """
    if not changed:
        return
    ids = {q.pk for q, _row in changed}
    in_use = set(Answer.objects.filter(question_id__in=ids).values_list("question_id", flat=True).distinct())
    for question_ids in TheoryAttempt.objects.filter(submitted_at__isnull=True).values_list("question_ids", flat=True):
        in_use.update(ids.intersection(question_ids))
    for question, row in changed:
        if question.pk not in in_use:
            continue
        current = [c.text for c in question.choices.all()]
        column = "correct"
        for n, text in enumerate(row.options, start=1):
            if n > len(current) or current[n - 1] != text:
                column = row.option_columns[n - 1]
                break
        else:
            if len(current) > len(row.options):
                column = row.option_columns[-1]
        report.errors.append(
            ImportIssue(
                row.row,
                column,
                _(
                    "question %(code)s has been answered in a test, so its options and correct answers cannot "
                    "change; give the new version a new code and set this one inactive."
                )
                % {"code": question.external_id},
            )
        )
