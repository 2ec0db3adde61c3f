"""Two accounts of one person made one."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountMerge(models.Model):
    """Two accounts of one person made one: what moved from ``duplicate`` to ``kept``, by whom and why."""

    kept = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("kept account")
    )
    duplicate = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="merged_into", verbose_name=_("merged account")
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = models.TextField(_("reason"))
    moved = models.JSONField(_("what moved"), default=dict)

    class Meta:
        verbose_name = _("account merge")
        verbose_name_plural = _("account merges")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.duplicate} -> {self.kept}"
