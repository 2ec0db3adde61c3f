"""What every candidates service shares: the actors of its state machines and the errors it raises."""

CANDIDATE, STAFF, COUNCIL = "candidate", "staff", "council"
# The moves the exams app makes (enrolment, its cancellation, the outcome) have their own actor, so the
# review page never offers them: "accept" on a scheduled application would leave its enrolment behind.
EXAMS = "exams"


class ApplicationError(Exception):
    """A request the rules do not allow; the message is shown to the user as it is."""


class IllegalTransition(ApplicationError):
    pass


class StaleApplication(ApplicationError):
    """Someone else changed the application after the user loaded the page."""
