import pytest
from django.db import OperationalError
from django.test import override_settings

from qac import health

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_everything_is_up(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    if settings.CELERY_BROKER_URL.startswith("redis://"):
        # The PostgreSQL + Redis run checks the real broker.
        assert body["checks"]["broker"] == "ok"
    else:
        assert "broker" not in body["checks"], "no broker configured, none checked"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_is_503_naming_the_database_when_it_is_down(client, monkeypatch):
    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "check_database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["down"] == ["database"]
    assert "connection refused" not in response.content.decode(), "errors are logged, not published"


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0", QAC_HEALTH_TIMEOUT_SECONDS=0.5)
def test_healthz_is_503_naming_the_broker_when_redis_is_unreachable(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]
    assert response.json()["checks"]["database"] == "ok"


def test_healthz_refuses_other_methods(client):
    assert client.post("/healthz").status_code == 405
