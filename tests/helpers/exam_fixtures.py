"""Fixtures that build exam sessions the whole legal way, for any test directory.

Import the ones a module needs (``from tests.helpers.exam_fixtures import make_exam, ...``);
pytest finds fixtures in a test module's namespace. ``media`` puts MEDIA_ROOT in a temporary
directory and is autouse wherever it is imported.
"""

import pytest

from qac.accounts.roles import Role
from tests.helpers.certificates import exam
from tests.helpers.exams import make_qualification


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


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


def make_exam_fixture(build=exam):
    """A ``make_exam`` fixture whose sessions ``build`` makes (``tests.helpers.certificates.exam``'s
    signature): ``make_exam(outcomes, **kwargs)`` with this directory's staff, commission and
    qualification."""

    @pytest.fixture
    def make_exam(staff, commission, qualification):
        def make(outcomes, **kwargs):
            kwargs.setdefault("qualification", qualification)
            return build(staff=staff, commission=commission, outcomes=outcomes, **kwargs)

        return make

    return make_exam


make_exam = make_exam_fixture()
