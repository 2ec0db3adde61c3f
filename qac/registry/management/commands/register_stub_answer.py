from django.core.management.base import BaseCommand, CommandError

from qac.registry.stub import BANNER, StubRefused, write_stub_answer


class Command(BaseCommand):
    help = (
        "A STAND-IN FOR THE REGISTER (demos and tests only): write an answer file numbering every exported "
        "record that awaits its registration number. Refused under production settings."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", metavar="FILE", required=True, help="where to write the answer file")
        parser.add_argument("--format", choices=["csv", "xml"], default="csv")

    def handle(self, *args, output, format="csv", **options):
        self.stderr.write(BANNER)
        try:
            with open(output, "wb") as out:
                count = write_stub_answer(out, format)
        except StubRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{count} records numbered by the stand-in, written to {output}")
        self.stdout.write("Import it with: python manage.py import_register_answer " + output)
