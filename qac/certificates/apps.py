from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "qac.certificates"
    label = "certificates"
    verbose_name = _("Certificates and conclusions")

    def ready(self) -> None:
        from qac.council.signals import council_decided

        from .receivers import issue_documents_on_decision

        # Nothing is issued before the Council decides (Decree 1204 p.16-17); upstream
        # announces the decision after its commit, and we enqueue our own work.
        council_decided.connect(issue_documents_on_decision, dispatch_uid="qac.certificates.issue_on_decision")
