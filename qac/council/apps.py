from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilConfig(AppConfig):
    name = "qac.council"
    label = "council"
    verbose_name = _("Council for professional qualifications")

    def ready(self) -> None:
        from qac.exams.signals import results_approved

        from .receivers import build_package_on_approval

        # Approved results start the package for the Council (Decree 1204 p.15), built in a worker.
        results_approved.connect(build_package_on_approval, dispatch_uid="qac.council.package_on_approval")
