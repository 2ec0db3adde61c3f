import pytest

from qac.accounts.roles import Role
from tests.factories import UserFactory
from tests.helpers.access import user_fixture


@pytest.fixture
def make_user(db):
    def make(role: Role | None = None, **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


candidate = user_fixture(Role.CANDIDATE)
other_candidate = user_fixture(Role.CANDIDATE)
expert = user_fixture(Role.EXPERT)
# is_staff opens the Django admin; the role gives the rights inside it.
staff = user_fixture(Role.STAFF, is_staff=True)
head = user_fixture(Role.HEAD, is_staff=True)


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

    if not settings.REDIS_URL:
        yield None
        return
    from celery.contrib.testing.worker import start_worker

    from qac.celery import app

    app.conf.task_always_eager = False
    app.control.purge()  # stale messages from an earlier, interrupted run
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=15, loglevel="WARNING"
        ) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True


@pytest.fixture
def committed_catalogue(transactional_db):
    """The seeded catalogue for tests whose data must be committed (threads, live server, real workers).

    Transactional tests end with a flush that also wipes what data migrations
    loaded; loading the same data again (the migration's idempotent function)
    is simpler and more dependable than serialized rollback.
    """
    import importlib

    from django.apps import apps

    importlib.import_module("standards.migrations.0002_load_center_and_qualifications").load(apps, None)
