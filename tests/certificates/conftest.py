"""Fixtures for the certificates tests: exam sessions taken to approval through the real services.

``exam(...)`` builds one session whose candidates end as listed (passed, failed the theory,
failed the practical, removed, absent). By default the session is approved with the
downstream work (issue + render) held back, so a test starts from "approved, nothing
issued yet" and runs the part it pins itself; ``approve_and_issue`` approves the way
production does, running the on-commit work (Celery is eager in the test settings).

``MEDIA_ROOT`` is a temporary directory and the cache (the verification rate limit) is
cleared for every test here.
"""

import datetime

import pytest
from django.core.cache import cache

from qac.certificates.models import IssuedDocument
from tests.helpers.certificates import (
    PASS,
    issue,
)

# --- Plain helpers (importable by the test modules) ---------------------------------------------
from tests.helpers.exam_fixtures import chair, commission, make_exam, media, qualification  # noqa: F401

# --- Fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def certificate(make_exam, candidate):  # noqa: F811 (the fixture imported above)
    """The ``candidate`` persona's issued (not rendered) certificate, issued a week ago
    (so revocation dates in the recent past are after its issue)."""

    built = make_exam([PASS], holders=[candidate])
    (document,) = issue(built.results)
    week_ago = document.issue_date - datetime.timedelta(days=7)
    IssuedDocument.objects.filter(pk=document.pk).update(issue_date=week_ago)
    document.refresh_from_db()
    return document


@pytest.fixture
def rendered_certificate(make_exam, candidate):  # noqa: F811 (the fixture imported above)
    """The ``candidate`` persona's certificate with its PDF."""
    built = make_exam([PASS], holders=[candidate])
    (document,) = issue(built.results, render=True)
    return document
