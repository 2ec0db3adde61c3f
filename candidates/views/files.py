"""Uploaded documents, served to their candidate or to the center's staff."""

from django.http import FileResponse, Http404

from qac.accounts.roles import is_qac_staff

from .. import selectors, services
from ..models import PersonalDataAccess


def document_file(request, pk: int):
    """Serve an uploaded document to its candidate or to QAC staff; 404 for everyone else."""
    if not request.user.is_authenticated:
        raise Http404
    document = selectors.document_get_for_user(user=request.user, pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    if is_qac_staff(request.user):
        services.personal_data_access_record(
            viewer=request.user,
            candidate=document.application.candidate,
            what=PersonalDataAccess.What.DOCUMENT,
            application=document.application,
            document=document,
        )
    response = FileResponse(handle, content_type=document.content_type)
    disposition = "attachment" if request.GET.get("download") else "inline"
    name = f"document-{document.pk}{file_suffix(document.content_type)}"
    response.headers["Content-Disposition"] = f"{disposition}; filename={name}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # The file is shown in the detail page's preview frame on this site only.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def file_suffix(content_type: str) -> str:
    """The file name's extension for a stored upload's type (uploads are PDF, PNG or JPEG)."""
    return {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(content_type, "")
