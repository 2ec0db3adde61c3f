"""Fixtures for the appeals tests: an exam failed (or passed) by the ``candidate`` persona, approved
through the real services, the Council's decision recorded, and helpers to walk an appeal on.

The session, commission and media fixtures are those of ``tests/helpers/exam_fixtures.py``; the
helpers that walk an appeal on are in ``tests/helpers/appeals.py``.
"""

import pytest
from django.core.cache import cache

from tests.helpers.certificates import FAIL_PRACTICAL
from tests.helpers.exam_fixtures import chair, commission, make_exam, media, qualification  # noqa: F401
from tests.helpers.legal import council_decide


@pytest.fixture
def failed(make_exam, candidate, staff):  # noqa: F811
    """The candidate failed the practical stage; the session is approved and the Council decided (conclusion)."""
    built = make_exam([FAIL_PRACTICAL], holders=[candidate])
    council_decide(built.session, staff)
    result = built.results[0]
    result.refresh_from_db()
    return result


@pytest.fixture
def application(failed):
    application = failed.enrolment.application
    application.refresh_from_db()
    return application


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()
