from django.core.management.base import BaseCommand, CommandError

from qac.accounts.models import RoleChange, User
from qac.accounts.roles import Role
from qac.accounts.services import role_grant, role_revoke


class Command(BaseCommand):
    help = (
        "Give a user a role, or take it away with --revoke, and record the change. "
        "The only way to make a QAC head: the site never grants that role."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="the user's e-mail address")
        parser.add_argument("role", choices=[r.value for r in Role])
        parser.add_argument("--revoke", action="store_true", help="take the role away instead of giving it")

    def handle(self, *args, email: str, role: str, revoke: bool, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with the e-mail address {email!r}.")
        change = role_revoke if revoke else role_grant
        record = change(user=user, role=Role(role), by=None, source=RoleChange.Source.COMMAND)
        if record is None:
            self.stdout.write(f"{user.email} {'does not hold' if revoke else 'already holds'} the role {role}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{user.email}: role {role} {record.action} (recorded)."))
