import re

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _


class CookieLocaleMiddleware:
    """Russian unless the visitor chose otherwise with the language switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so
    a staff member with an English browser would get English documents
    and pages by surprise. Russian is the legal language of the procedure;
    English is an explicit choice, remembered in the language cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


# NUL cannot be stored by PostgreSQL (a query holding one raises) and has no place in any text
# a person types; lone surrogates cannot be encoded to UTF-8 at all.
_INVALID_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


class RejectInvalidInputMiddleware:
    """Answer 400 with a page naming the field when a query or form value holds NUL or a surrogate.

    Forms refuse NUL in their own fields, but views also read parameters directly (search, filters,
    paging) and a value that reaches the database would turn into a 500. One check here covers
    every view, query string and form alike, before anything reads or writes. The address itself is
    left to the URL patterns: their converters refuse such a value with a 404 (tests/test_every_url.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = self._invalid(request)
        if where is not None:
            return render(
                request,
                "400.html",
                {
                    "reason": _("The request holds a character that is not allowed (a null byte or an invalid one)."),
                    "field": where,
                },
                status=400,
            )
        return self.get_response(request)

    @staticmethod
    def _invalid(request) -> str | None:
        # A malformed body raises here as it would in the view; Django answers that with its own 400.
        sources = [request.GET, request.POST] if request.method == "POST" else [request.GET]
        for data in sources:
            for key, values in data.lists():
                if _INVALID_CHARACTERS.search(key) or any(_INVALID_CHARACTERS.search(v) for v in values):
                    return _INVALID_CHARACTERS.sub("\ufffd", key)
        if request.method == "POST":
            for key, upload in request.FILES.items():
                if _INVALID_CHARACTERS.search(upload.name or ""):
                    return key
        return None
