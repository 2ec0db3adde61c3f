"""Who a test walks through: the personas of permission tests, and fixtures for people in a role."""

import pytest

# The people a permission test walks through, by fixture name ("anonymous" is no login).
PERSONAS = ["anonymous", "candidate", "other_candidate", "expert", "staff", "head"]


def user_fixture(role, doc: str = "", **fields):
    """A fixture that gives each test a new user in ``role`` (with ``fields``), named by the name it is
    bound to in a conftest: ``expert = user_fixture(Role.EXPERT)``."""

    def fixture(make_user):
        return make_user(role, **fields)

    fixture.__doc__ = doc or None
    return pytest.fixture(fixture)
