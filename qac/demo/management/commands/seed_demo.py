import time

from django.core.management.base import BaseCommand, CommandError

from qac.demo import appeals as demo_appeals
from qac.demo import seed as demo


class Command(BaseCommand):
    help = (
        "Create demo accounts, profiles and applications in every status (idempotent). "
        "--volume N also makes sure N bulk candidates with applications exist, for benchmarks. "
        "Refuses to run under production settings."
    )

    def add_arguments(self, parser):
        parser.add_argument("--volume", type=int, default=0, metavar="N", help="bulk candidates with applications")

    def handle(self, *args, volume: int, **options):
        if volume < 0:
            raise CommandError("--volume must be zero or more.")
        password = demo.demo_password()
        try:
            results = demo.seed(password=password)
            # The appeals' demo builds on the exams above (it uses qac.demo.exams' builders).
            demo_appeals.seed_appeals()
            started = time.monotonic()
            bulk = demo.seed_volume(volume, password=password) if volume else 0
            examined = demo.seed_volume_exams() if volume else 0
        except demo.DemoDataRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Demo accounts (password for new ones: {password}):")
        for account, created in results:
            state = "created" if created else "exists, password unchanged"
            self.stdout.write(f"  {account.email:<24} {account.role.value:<10} {state}")
        if volume:
            self.stdout.write(
                f"Bulk candidates: {bulk} created ({volume} wanted) in {time.monotonic() - started:.1f} s, "
                f"e-mails candidateNNNNNN@{demo.VOLUME_EMAIL_DOMAIN}; "
                f"{examined} accepted applications given approved exam results"
            )
