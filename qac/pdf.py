"""WeasyPrint set-up shared by every app that renders PDFs (infrastructure, like ``qac.files``)."""

_font_config = None


def font_config():
    """One WeasyPrint font configuration per worker process: building it per call costs time and leaks memory."""
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config
