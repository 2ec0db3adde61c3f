from django.http import Http404
from django.shortcuts import render

from .models import Qualification
from .selectors import qualification_get_active, qualification_list_active


def catalogue(request):
    """Public: what the center assesses, read by a candidate before applying."""
    return render(request, "standards/catalogue.html", {"qualifications": qualification_list_active()})


def qualification_detail(request, code: str):
    try:
        qualification = qualification_get_active(code=code)
    except Qualification.DoesNotExist:
        raise Http404 from None
    return render(request, "standards/qualification_detail.html", {"q": qualification})
