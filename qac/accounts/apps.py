from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "qac.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from qac import db

        from .roles import sync_role_groups
        from .two_factor import session_start

        db.connect()

        # Permissions only exist after every app has migrated, so the role
        # groups are (re)synchronised after each migrate, idempotently.
        post_migrate.connect(sync_role_groups, dispatch_uid="qac.accounts.sync_role_groups")
        # What the session limits and the two-factor gate need is noted at login.
        user_logged_in.connect(session_start, dispatch_uid="qac.accounts.session_start")
