"""Pages that gather several apps for one person live here, beside the URLs."""

from django.shortcuts import render

from standards.selectors import qualification_list_active


def home(request):
    """The front page: what the center is and what each visitor can do next."""
    return render(request, "home.html", {"qualifications": qualification_list_active()})
