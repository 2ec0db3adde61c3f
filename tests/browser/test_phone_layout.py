"""Every role's main pages fit a 390 px phone without scrolling the page sideways (issue 12, item 2).

On the demo data (``seed_demo``) the anonymous visitor, a candidate, an expert, staff and the head
open their main pages at 390x844. A page fails when ``document.documentElement.scrollWidth`` exceeds
the window's width; the failure names the page and the elements whose right edge leaves the screen
(outside a box that scrolls or clips them, such as ``.table-responsive``).

To look at the pages as a person would, set QAC_PHONE_SCREENSHOTS to a folder: every page is saved
there as a full-page PNG.
"""

import os
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db.models import Count
from playwright.sync_api import expect

from candidates.models import Application, IdentityChangeRequest
from qac.appeals.models import Appeal
from qac.certificates.models import IssuedDocument
from qac.contracts.models import Contract
from qac.exams.models import ExamSession
from qac.retention.models import DestructionAct
from standards.models import Qualification
from tests.factories import DEFAULT_PASSWORD
from tests.helpers.browser import log_in, new_page

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("committed_catalogue")]

PHONE = {"width": 390, "height": 844}

# The elements that stick out to the right of the window, outermost first, skipping those whose
# overflow an ancestor scrolls or clips (a .table-responsive box, a collapsed menu).
OVERFLOWING = """() => {
  const width = window.innerWidth;
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const x = getComputedStyle(a).overflowX;
      if (x !== "visible") return true;
    }
    return false;
  };
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 0.5 || clipped(el)) continue;
    if (found.some((f) => f.el.contains(el))) continue;
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      [...el.classList].map((c) => "." + c).join("");
    found.push({el, text: `${name} right=${Math.round(r.right)} width=${Math.round(r.width)} ` +
      JSON.stringify((el.innerText || "").trim().slice(0, 60))});
  }
  found.sort((a, b) => b.el.getBoundingClientRect().right - a.el.getBoundingClientRect().right);
  return found.slice(0, 5).map((f) => f.text);
}"""


def phone_page(browser):
    page = new_page(browser)
    page.set_viewport_size(PHONE)
    return page


def measure(page, label, problems):
    """Note the page (``label``: who and what) if it is wider than the window; save it when asked."""
    if folder := os.environ.get("QAC_PHONE_SCREENSHOTS"):
        page.screenshot(path=os.path.join(folder, re.sub(r"\W+", "-", label).strip("-") + ".png"), full_page=True)
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > inner:
        problems.append(f"{label}: page is {scroll}px wide at {inner}px; " + "; ".join(page.evaluate(OVERFLOWING)))


def check(page, url, problems, who):
    response = page.goto(url)
    assert response.ok and page.url == url, f"{url} answered {response.status} at {page.url}"
    measure(page, f"{who} {url.split('/', 3)[3] or 'home'}", problems)


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (closed with the process)
    User = get_user_model()
    for user in User.objects.filter(email__endswith="@qac.local"):
        user.set_password(DEFAULT_PASSWORD)
        user.save(update_fields=["password"])
    yield
    cache.clear()


def pages_by_role():
    candidate = "candidate1@qac.local"
    application = (
        Application.objects.filter(candidate__email=candidate)
        .annotate(steps=Count("history"))
        .order_by("-steps", "pk")
        .first()
    )
    busiest = Application.objects.annotate(steps=Count("history")).order_by("-steps", "pk").first()
    session = ExamSession.objects.annotate(n=Count("enrolments")).order_by("-n", "pk").first()
    expert_session = (
        ExamSession.objects.filter(commission__expert__email="expert1@qac.local")
        .annotate(n=Count("enrolments"))
        .order_by("-n", "pk")
        .first()
    )
    document = IssuedDocument.objects.order_by("pk").first()
    qualification = Qualification.objects.order_by("code").first()
    change_request = IdentityChangeRequest.objects.order_by("pk").first()
    appeal = Appeal.objects.order_by("pk").first()
    appellant = appeal.application.candidate.email
    act = DestructionAct.objects.order_by("pk").first()
    contract = Contract.objects.annotate(n=Count("lines")).order_by("-n", "pk").first()
    return {
        None: [
            "/",
            "/qualifications/",
            f"/qualifications/{qualification.code}/",
            "/verify/",
            "/accounts/login/",
            "/signup/",
        ],
        candidate: [
            "/",
            "/me/profile/",
            "/me/applications/",
            f"/me/applications/{application.pk}/",
            "/me/consent/withdraw/",
            "/my/payment/",
        ],
        "expert1@qac.local": ["/", "/expert/sessions/", f"/expert/sessions/{expert_session.pk}/"],
        "staff@qac.local": [
            "/",
            "/staff/applications/",
            f"/staff/applications/{busiest.pk}/",
            "/staff/exams/",
            f"/staff/exams/{session.pk}/",
            "/staff/council/",
            "/staff/documents/",
            f"/staff/documents/{document.pk}/",
            "/staff/registry/",
            "/staff/change-requests/",
            *([f"/staff/change-requests/{change_request.pk}/"] if change_request else []),
            "/staff/appeals/",
            *[f"/staff/appeals/{pk}/" for pk in Appeal.objects.values_list("pk", flat=True)],
            "/staff/retention/withdrawals/",
            "/staff/contracts/",
            f"/staff/contracts/{contract.pk}/",
            "/staff/contracts/payers/",
            "/staff/contracts/statement/",
        ],
        "head@qac.local": ["/", "/staff/corrections/", "/staff/retention/", f"/staff/retention/acts/{act.pk}/"],
        appellant: [f"/me/applications/{appeal.application_id}/", f"/me/applications/{appeal.application_id}/appeal/"],
    }


def test_every_roles_main_pages_fit_a_390px_phone(demo, live_server, browser):
    base = live_server.url
    problems = []
    for email, paths in pages_by_role().items():
        page = phone_page(browser)
        who = email.split("@")[0] if email else "anonymous"
        if email:
            log_in(page, base, email)
        for path in paths:
            check(page, base + path, problems, who)
        # The menu is folded behind its button, and unfolded it fits the phone too.
        page.goto(base + "/")
        page.locator(".navbar-toggler").click()
        expect(page.locator("#nav-main")).to_have_class(re.compile(r"\bshow\b"))
        expect(
            page.locator("#nav-main").get_by_role("link", name=re.compile("^(Qualifications|Квалификации)$"))
        ).to_be_visible()
        measure(page, f"{who} home, menu open", problems)
        page.context.close()
    assert problems == [], "\n".join(problems)
