from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "qac.exams"
    label = "exams"
    verbose_name = _("Exams")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import selectors
        from .models import Choice, Question

        for model in (Question, Choice):
            post_save.connect(selectors.forget_choices, sender=model, dispatch_uid=f"forget_choices_{model.__name__}")
            post_delete.connect(
                selectors.forget_choices, sender=model, dispatch_uid=f"forget_choices_del_{model.__name__}"
            )
