def issue_documents_on_approval(sender, session_id: int, **kwargs) -> None:
    """Results approved: issue the session's certificates and conclusions in a worker."""
    from .tasks import issue_session_documents_task

    issue_session_documents_task.delay(session_id)
