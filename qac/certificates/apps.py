from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "qac.certificates"
    label = "certificates"
    verbose_name = _("Certificates and conclusions")

    def ready(self) -> None:
        from qac.exams.signals import results_approved

        from .receivers import issue_documents_on_approval

        # Upstream announces approval after its commit; we enqueue our own work.
        results_approved.connect(issue_documents_on_approval, dispatch_uid="qac.certificates.issue_on_approval")
