from .services import package_request, verdict_follow_result


def build_package_on_approval(sender, session_id: int, **kwargs) -> None:
    """Results approved: open the session's package for the Council and build it in a worker."""
    package_request(session_id=session_id)


def verdict_on_result_correction(sender, result_id: int, correction_id: int, **kwargs) -> None:
    """An approved result was corrected (after its commit): the Council's verdict follows it."""
    verdict_follow_result(result_id=result_id, correction_id=correction_id)
