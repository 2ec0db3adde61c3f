from .services import package_request


def build_package_on_approval(sender, session_id: int, **kwargs) -> None:
    """Results approved: open the session's package for the Council and build it in a worker."""
    package_request(session_id=session_id)
