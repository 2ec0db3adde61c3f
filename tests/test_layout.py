"""The base layout's parts kept per process (templates/layout/, the "local" cache) and the center's row
kept for QAC_CENTER_CACHE_SECONDS: each person still sees the links of their own roles and language,
and an edit of the center shows in the header and footer."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from standards.models import AssessmentCenter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_local_cache():
    caches["local"].clear()
    yield
    caches["local"].clear()


def _page(client) -> str:
    return client.get(reverse("standards:catalogue")).content.decode()


def test_each_role_gets_its_own_links_from_the_kept_layout(client, staff, candidate):
    client.force_login(staff)
    staff_page = _page(client)
    client.force_login(candidate)
    candidate_page = _page(client)
    queue, mine = reverse("candidates:staff_queue"), reverse("candidates:dashboard")
    assert f'href="{queue}"' in staff_page and f'href="{mine}"' not in staff_page
    assert f'href="{mine}"' in candidate_page and f'href="{queue}"' not in candidate_page
    client.logout()
    anonymous_page = _page(client)
    assert f'href="{queue}"' not in anonymous_page and f'href="{mine}"' not in anonymous_page


def test_the_kept_layout_follows_the_chosen_language(client, staff):
    client.force_login(staff)
    russian = _page(client)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _page(client)
    assert ">Заявления</a>" in russian and ">Applications</a>" not in russian
    assert ">Applications</a>" in english and ">Заявления</a>" not in english
    assert 'data-testid="lang-en"' in english and 'aria-pressed="true"' in english


def test_an_edit_of_the_center_shows_in_the_header_and_footer_at_once_without_the_cache(client):
    _page(client)
    center = AssessmentCenter.objects.get()
    center.phone = "+7 (812) 999-00-11"
    center.register_number = "NEW-42"
    center.save()
    page = _page(client)
    assert "+7 (812) 999-00-11" in page
    assert page.count("NEW-42") == 2  # the brand's line and the footer's


def test_with_the_cache_the_center_is_read_once_per_period(client, settings):
    settings.QAC_CENTER_CACHE_SECONDS = 60
    _page(client)
    with CaptureQueriesContext(connection) as ctx:
        page = _page(client)
    assert not [q for q in ctx.captured_queries if "standards_assessmentcenter" in q["sql"]]
    assert AssessmentCenter.objects.get().register_number in page
    # Once the period is over (here: the kept row is dropped), an edit shows.
    AssessmentCenter.objects.update(register_number="NEW-43")
    caches["local"].clear()
    assert "NEW-43" in _page(client)
