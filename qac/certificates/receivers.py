def issue_documents_on_decision(sender, session_id: int, **kwargs) -> None:
    """The Council decided: make the documents its verdicts call for, in a worker (they then await their numbers)."""
    from .tasks import issue_session_documents_task

    issue_session_documents_task.delay(session_id)
