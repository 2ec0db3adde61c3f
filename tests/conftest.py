import pytest

from qac.accounts.roles import Role
from tests.factories import UserFactory

# The people a permission test walks through: None is the anonymous visitor.
PERSONAS = ["anonymous", "candidate", "other_candidate", "expert", "staff", "head"]


@pytest.fixture
def make_user(db):
    def make(role: Role | None = None, **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def candidate(make_user):
    return make_user(Role.CANDIDATE)


@pytest.fixture
def other_candidate(make_user):
    return make_user(Role.CANDIDATE)


@pytest.fixture
def expert(make_user):
    return make_user(Role.EXPERT)


@pytest.fixture
def staff(make_user):
    # is_staff opens the Django admin; the role gives the rights inside it.
    return make_user(Role.STAFF, is_staff=True)


@pytest.fixture
def head(make_user):
    return make_user(Role.HEAD, is_staff=True)


@pytest.fixture
def persona_client(request, client, db):
    """A test client logged in as the persona named by the test's parameter."""

    def as_persona(name: str):
        if name == "anonymous":
            return client, None
        user = request.getfixturevalue(name)
        client.force_login(user)
        return client, user

    return as_persona


@pytest.fixture
def celery_worker_or_eager():
    """A real Celery worker (thread, solo pool) when Redis is configured; otherwise tasks run eagerly.

    Tests that use the database from a worker must also use ``transactional_db``
    so that the worker's own connection sees committed rows.
    """
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield None
        return
    from celery.contrib.testing.worker import start_worker

    from qac.celery import app

    app.control.purge()  # stale messages from an earlier, interrupted run
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=15, loglevel="WARNING") as worker:
        yield worker
