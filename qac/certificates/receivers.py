from .services import holder_merge
from .tasks import documents_follow_verdict_task, duplicates_for_change_request_task, issue_session_documents_task


def issue_documents_on_decision(sender, session_id: int, **kwargs) -> None:
    """The Council decided: make the documents its verdicts call for, in a worker (they then await their numbers)."""
    issue_session_documents_task.delay(session_id)


def duplicates_on_name_change(sender, change_request_id: int, **kwargs) -> None:
    """A change of the holder's name was approved (after its commit): start duplicates, in a worker."""
    duplicates_for_change_request_task.delay(change_request_id)


def move_documents_on_merge(sender, kept_id: int, duplicate_id: int, **kwargs) -> dict:
    """Inside the merge's transaction: the merged account's documents go to the kept one."""
    return holder_merge(kept_id=kept_id, duplicate_id=duplicate_id)


def documents_on_verdict_correction(sender, verdict_id: int, reason: str, by_id=None, **kwargs) -> None:
    """A verdict followed a corrected result (after its commit): the documents follow, in a worker."""
    documents_follow_verdict_task.delay(verdict_id, reason, by_id)
