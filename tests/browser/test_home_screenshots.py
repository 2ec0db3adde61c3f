"""Every role's home at 1366 px and 390 px on the demo data, in Russian, kept as test artefacts (issue 12).

axe-core (vendored in tests/browser/vendor/, MPL-2.0, from the npm package) checks each of them: no serious or
critical accessibility violation. It is evaluated through the DevTools protocol, which the pages' CSP does not
govern, so the site needs no exception for it.

The screenshots go to ``var/screenshots/`` (git-ignored; QAC_SCREENSHOTS names another folder). The test
also checks what each home must show: the staff's to-do board, the head's charts, the expert's sessions,
the candidate's stepper with its main button, and that no home scrolls sideways on a phone.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.test_phone_layout import demo  # noqa: F401 (the seeded demo data, passwords known)
from tests.helpers.browser import log_in, new_page

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("committed_catalogue")]

WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
ROLES = {
    "anonymous": (None, "main h1"),
    "candidate": ("candidate1@qac.local", "[data-testid=journey] [data-testid=next-action]"),
    "expert": ("expert1@qac.local", "[data-testid=expert-sessions]"),
    "staff": ("staff@qac.local", "[data-testid=deadline-board]"),
    "head": ("head@qac.local", "[data-testid=chart-per-month]"),
}


AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}"""


def accessibility_problems(page) -> list[str]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(AXE_RUN)


def folder() -> Path:
    path = Path(os.environ.get("QAC_SCREENSHOTS") or settings.BASE_DIR / "var" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_every_roles_home_at_1366_and_390_px_with_no_serious_accessibility_violation(demo, live_server, browser):  # noqa: F811
    base = live_server.url
    out = folder()
    problems = []
    for role, (email, must_show) in ROLES.items():
        page = new_page(browser)
        if email:
            log_in(page, base, email)
        # Russian, the language of the center, as a user who never touched the switcher sees it.
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ru", "url": base}])
        for width, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            response = page.goto(base + "/")
            assert response.ok, f"{role}: home answered {response.status}"
            expect(page.locator(must_show).first).to_be_visible()
            page.screenshot(path=str(out / f"home-{role}-{width}.png"), full_page=True)
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                problems.append(f"{role} at {width}: page is {scroll}px wide at {inner}px")
            problems += [f"{role} at {width}: {p}" for p in accessibility_problems(page)]
        page.context.close()
    assert problems == [], problems
    shots = sorted(p.name for p in out.glob("home-*.png"))
    assert len([s for s in shots if re.match(r"home-\w+-(desktop|phone)\.png", s)]) >= len(ROLES) * 2
