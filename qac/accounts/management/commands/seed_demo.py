from django.core.management.base import BaseCommand, CommandError

from qac import demo


class Command(BaseCommand):
    help = "Create demo accounts and data (idempotent). Refuses to run under production settings."

    def handle(self, *args, **options):
        password = demo.demo_password()
        try:
            results = demo.seed(password=password)
        except demo.DemoDataRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Demo accounts (password for new ones: {password}):")
        for account, created in results:
            state = "created" if created else "exists, password unchanged"
            self.stdout.write(f"  {account.email:<24} {account.role.value:<10} {state}")
