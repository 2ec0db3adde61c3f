from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import ROLE_LABELS, Role


class UserManager(BaseUserManager):
    """Users log in by e-mail; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        # Case-insensitive login: people type their address in any case.
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """A person who signs in: QAC head or staff, an expert, or a candidate.

    What a user may do comes from the role groups (see ``roles.py``);
    ``is_staff`` only opens the Django admin.
    """

    username = None
    email = models.EmailField(_("e-mail"), unique=True)
    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]
        # The staff queue sorted by name (candidates.selectors.SORTS["name"]).
        indexes = [models.Index(fields=["last_name", "first_name", "id"], name="user_name_idx")]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p).strip()

    def get_short_name(self) -> str:
        """Surname and initials, as Russian documents write a name: «Иванов И. И.»."""
        initials = " ".join(f"{p[0]}." for p in (self.first_name, self.patronymic) if p)
        return f"{self.last_name} {initials}".strip() or self.email


class RoleChange(models.Model):
    """One role given or taken away: who, which role, by whom, when and through which door.

    Written only by ``services.role_grant`` / ``services.role_revoke``. Rows are
    never edited or deleted, and they keep both people (PROTECT), so an account
    whose rights were ever changed cannot be deleted to hide that.
    """

    class Action(models.TextChoices):
        GRANTED = "granted", _("role granted")
        REVOKED = "revoked", _("role withdrawn")

    class Source(models.TextChoices):
        ADMIN = "admin", _("administration site")
        COMMAND = "command", _("command line")

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_changes", verbose_name=_("user"))
    # The value of a ``roles.Role``; a plain string so the table can outlive a renamed role.
    role = models.CharField(_("role"), max_length=32)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    # Empty when an operator ran a command: the server account, not a user of the site.
    by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    source = models.CharField(_("where"), max_length=8, choices=Source.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("role change")
        verbose_name_plural = _("role changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.get_action_display()} {self.role_label}"

    @property
    def role_label(self) -> str:
        try:
            return str(ROLE_LABELS[Role(self.role)])
        except ValueError:
            return self.role


class TwoFactorReset(models.Model):
    """The head removed a user's two-factor devices (a lost phone): who, whose, when."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="two_factor_resets", verbose_name=_("user"))
    by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="two_factor_resets_made", verbose_name=_("reset by")
    )
    at = models.DateTimeField(_("reset at"), auto_now_add=True)
    devices = models.PositiveSmallIntegerField(_("devices removed"), default=0)

    class Meta:
        verbose_name = _("two-factor reset")
        verbose_name_plural = _("two-factor resets")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} ({self.at:%Y-%m-%d %H:%M})"
