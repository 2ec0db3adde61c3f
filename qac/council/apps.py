from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilConfig(AppConfig):
    name = "qac.council"
    label = "council"
    verbose_name = _("Council for professional qualifications")

    def ready(self) -> None:
        from qac.exams.signals import result_corrected, results_approved

        from .receivers import build_package_on_approval, verdict_on_result_correction

        # Approved results start the package for the Council (Decree 1204 p.15), built in a worker.
        results_approved.connect(build_package_on_approval, dispatch_uid="qac.council.package_on_approval")
        # A result corrected after approval: the verdict follows, and through it the documents.
        result_corrected.connect(verdict_on_result_correction, dispatch_uid="qac.council.verdict_on_correction")
