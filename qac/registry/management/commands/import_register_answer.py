from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qac.registry.answers import MAX_ANSWER_BYTES, error_text, register_answer_import
from qac.registry.models import AnswerStatus


class Command(BaseCommand):
    help = "Apply the register's answer file (docs/register-answer.md), all or nothing; exits non-zero on refusal."

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")

    def handle(self, *args, file, **options):
        path = Path(file)
        try:
            if path.stat().st_size > MAX_ANSWER_BYTES:
                raise CommandError(f"{file}: larger than {MAX_ANSWER_BYTES >> 20} MB")
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror or exc}") from exc
        record = register_answer_import(data=data, filename=path.name, by=None)
        if record.status == AnswerStatus.REFUSED:
            for error in record.errors:
                self.stderr.write(error_text(error))
            raise CommandError(f"import #{record.pk} refused: {len(record.errors)} error(s); nothing was changed")
        self.stdout.write(
            f"import #{record.pk} applied: {record.rows} rows, {record.numbered} numbered now, "
            f"{record.already_numbered} already numbered"
        )
