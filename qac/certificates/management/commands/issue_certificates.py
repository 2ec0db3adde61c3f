from django.core.management.base import BaseCommand, CommandError

from qac.certificates import services
from qac.certificates.tasks import issue_session_documents_task
from qac.council.models import CouncilDecision
from qac.exams.models import ExamSession, SessionStatus


class Command(BaseCommand):
    help = (
        "Issue certificates and conclusions through the same pipeline as the Council's decision: "
        "--session ID for one decided session; --pending for every Council verdict without its document, "
        "and renders every document that has its register number but no PDF yet."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--session", type=int, metavar="ID")
        group.add_argument("--pending", action="store_true")

    def handle(self, *args, session=None, pending=False, **options):
        if session is not None:
            status = ExamSession.objects.filter(pk=session).values_list("status", flat=True).first()
            if status is None:
                raise CommandError(f"No exam session {session}.")
            # Checked here, not only in the worker: with real workers a refusal
            # there would never reach this command's exit status.
            if status != SessionStatus.RESULTS_APPROVED:
                raise CommandError(f"Session {session} has no approved results; nothing is issued.")
            if not CouncilDecision.objects.filter(session_id=session).exists():
                raise CommandError(f"Session {session} has no Council decision yet; nothing is issued.")
            sessions = [session]
        else:
            sessions = sorted({v.decision.session_id for v in services.pending_verdicts()})
            unrendered = services.numbered_unrendered_ids()
            services.render_soon(unrendered)
            self.stdout.write(f"{len(unrendered)} numbered document(s) queued for rendering")
        for session_id in sessions:
            try:
                result = issue_session_documents_task.delay(session_id)
            except services.DocumentError as exc:
                raise CommandError(f"Session {session_id}: {exc}") from exc
            self.stdout.write(f"session {session_id}: queued ({result.id})")
        if not sessions:
            self.stdout.write("Nothing to issue.")
