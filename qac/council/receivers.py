def build_package_on_approval(sender, session_id: int, **kwargs) -> None:
    """Results approved: open the session's package for the Council and build it in a worker."""
    from .services import package_request

    package_request(session_id=session_id)
