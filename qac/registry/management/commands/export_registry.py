from django.core.management.base import BaseCommand, CommandError

from qac.registry.services import ExportBusy, ExportInvalid, registry_export


class Command(BaseCommand):
    help = "Export every record not yet reported to the register (XML validated by the XSD, and CSV)."

    def add_arguments(self, parser):
        parser.add_argument("--output", metavar="DIR", help="also write the files to this directory")
        parser.add_argument("--dry-run", action="store_true", help="write the files, mark nothing as reported")

    def handle(self, *args, output=None, dry_run=False, **options):
        try:
            outcome = registry_export(trigger="command", output_dir=output, dry_run=dry_run)
        except (ExportBusy, ExportInvalid) as exc:
            raise CommandError(str(exc)) from exc
        for path in outcome.paths:
            self.stdout.write(path)
        for item in outcome.skipped:
            self.stderr.write(f"held back: document {item['document']} ({item['type']}): {item['reason']}")
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(outcome.counts.items())) or "nothing new"
        verb = "would report" if dry_run else "reported"
        self.stdout.write(f"{outcome.total} records {verb} ({counts}); {len(outcome.skipped)} held back")
