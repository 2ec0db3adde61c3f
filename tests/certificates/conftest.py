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

from qac.accounts.roles import Role
from qac.certificates.models import IssuedDocument
from tests.helpers.certificates import (
    PASS,
    exam,
    issue,
)
from tests.helpers.exams import (
    make_qualification,
)

# --- Plain helpers (importable by the test modules) ---------------------------------------------


# --- Fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def chair(expert):
    """The ``expert`` persona chairs every session built here."""
    return expert


@pytest.fixture
def commission(chair, make_user):
    return [chair, make_user(Role.EXPERT), make_user(Role.EXPERT)]


@pytest.fixture
def qualification(db):
    return make_qualification()


@pytest.fixture
def make_exam(staff, commission, qualification):
    def make(outcomes, **kwargs):
        kwargs.setdefault("qualification", qualification)
        return exam(staff=staff, commission=commission, outcomes=outcomes, **kwargs)

    return make


@pytest.fixture
def certificate(make_exam, candidate):
    """The ``candidate`` persona's issued (not rendered) certificate, issued a week ago
    (so revocation dates in the recent past are after its issue)."""

    built = make_exam([PASS], holders=[candidate])
    (document,) = issue(built.results)
    week_ago = document.issue_date - datetime.timedelta(days=7)
    IssuedDocument.objects.filter(pk=document.pk).update(issue_date=week_ago)
    document.refresh_from_db()
    return document


@pytest.fixture
def rendered_certificate(make_exam, candidate):
    """The ``candidate`` persona's certificate with its PDF."""
    built = make_exam([PASS], holders=[candidate])
    (document,) = issue(built.results, render=True)
    return document
