"""Serving private files (documents, packages, protocols, exports): one way, so every one is served alike."""

from django.http import FileResponse, Http404


def private_file_response(field, *, filename: str | None = None, content_type: str | None = None) -> FileResponse:
    """The stored file of ``field`` as a download that no cache keeps; 404 when there is none (or it is lost).

    Access is decided before this is called, by the app's selector for the object.
    """
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, content_type=content_type, as_attachment=True, filename=filename or field.name.rsplit("/", 1)[-1]
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
