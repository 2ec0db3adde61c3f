from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "qac.certificates"
    label = "certificates"
    verbose_name = _("Certificates and conclusions")

    def ready(self) -> None:
        from candidates.signals import accounts_merged, identity_change_approved
        from qac.council.signals import council_decided, verdict_corrected

        from .receivers import (
            documents_on_verdict_correction,
            duplicates_on_name_change,
            issue_documents_on_decision,
            move_documents_on_merge,
        )

        # Nothing is issued before the Council decides (Decree 1204 p.16-17); upstream
        # announces the decision after its commit, and we enqueue our own work.
        council_decided.connect(issue_documents_on_decision, dispatch_uid="qac.certificates.issue_on_decision")
        identity_change_approved.connect(duplicates_on_name_change, dispatch_uid="qac.certificates.duplicates_on_name")
        accounts_merged.connect(move_documents_on_merge, dispatch_uid="qac.certificates.move_on_merge")
        verdict_corrected.connect(documents_on_verdict_correction, dispatch_uid="qac.certificates.follow_verdict")
