from django.http import Http404
from django.shortcuts import render

from .models import Qualification
from .selectors import fees_in_force, public_pages, qualification_get_active, qualification_list_active


def catalogue(request):
    """Public: what the center assesses, read by a candidate before applying."""
    return render(request, "standards/catalogue.html", {"qualifications": qualification_list_active()})


def qualification_detail(request, code: str):
    try:
        qualification = qualification_get_active(code=code)
    except Qualification.DoesNotExist:
        raise Http404 from None
    return render(request, "standards/qualification_detail.html", {"q": qualification})


def about(request):
    """Public: what a center must publish (Decree 1204 p.4, Order 759n) — contacts, fees, rules, appeals.

    Everything comes from the database, kept by the head in the admin; the center itself is in
    every page's context (``qac.context_processors.site``). The schedule of sessions is the
    exams app's and has its own page.
    """
    return render(request, "standards/about.html", {"fees": fees_in_force(), "pages": list(public_pages())})
