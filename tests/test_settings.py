"""Settings behave as the README promises on every kind of deployment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k7#Qz9!pX2@mV4$wR8^tY6&uI1*oP3(aS5)dF0_gH-jK=lL+zXcVbNm"


def run_python(code: str, **env_overrides) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "QAC_SITE_URL"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def run_manage(*args: str, **env_overrides) -> subprocess.CompletedProcess:
    return run_python(
        f"import sys; sys.argv = ['manage.py', *{list(args)!r}]; import runpy; "
        "runpy.run_path('manage.py', run_name='__main__')",
        **env_overrides,
    )


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "qac.settings.production",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "qac.example.ru",
    "DATABASE_URL": "postgres://qac@127.0.0.1:5432/qac",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "QAC_SITE_URL": "https://qac.example.ru",
}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "QAC_SITE_URL"])
def test_production_refuses_to_start_without_a_required_variable(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_python("import django; django.setup()", **env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert missing in lines[0]


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": "dev-only-insecure-key-change-me-0123456789abcdefghijklmnop"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": "sqlite:////tmp/x.sqlite3"}, "DATABASE_URL"),
    ],
)
def test_production_refuses_insecure_values(override, named):
    result = run_python("import django; django.setup()", **{**PRODUCTION_ENV, **override})
    assert result.returncode != 0
    assert named in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_production_uses_the_shared_redis_cache_so_limits_hold_across_workers():
    code = "import django; django.setup(); from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])"
    result = run_python(code, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache"


def test_production_check_deploy_is_clean():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_serves_static_through_whitenoise_manifest_and_never_loads_demo_data():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.STORAGES['staticfiles']['BACKEND'], s.DEBUG, s.QAC_DEMO_DATA_ALLOWED, "
        "'whitenoise.middleware.WhiteNoiseMiddleware' in s.MIDDLEWARE)"
    )
    result = run_python(code, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "False",
        "False",
        "True",
    ]


def test_defaults_with_no_services_are_sqlite_and_in_process_celery():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, "
        "s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1], s.LANGUAGE_CODE)"
    )
    result = run_python(code, DJANGO_SETTINGS_MODULE="qac.settings.dev")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "memory://localhost/", "LocMemCache", "ru"]


def test_database_url_and_redis_url_switch_to_postgresql_redis_and_real_workers():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, "
        "s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1])"
    )
    result = run_python(
        code,
        DJANGO_SETTINGS_MODULE="qac.settings.dev",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
        REDIS_URL="redis://127.0.0.1:6379/3",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "False",
        "redis://127.0.0.1:6379/3",
        "RedisCache",
    ]


def test_celery_is_configured_for_idempotent_late_acknowledged_tasks():
    from qac.celery import app

    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert app.amqp.router.route({}, "qac.certificates.tasks.render_certificate_task")["queue"].name == "documents"
    assert app.amqp.router.route({}, "qac.tasks.something")["queue"].name == "default"


def test_without_a_broker_tasks_run_in_process_without_a_broker_warning():
    """`make run` without REDIS_URL: no "No hostname was supplied" (kombu) or other warning on a task."""
    code = (
        "import django; django.setup(); import qac.certificates.tasks; from qac.tasks import ping_task; "
        "print(ping_task.delay().get())"
    )
    result = run_python(code, DJANGO_SETTINGS_MODULE="qac.settings.dev", PYTHONWARNINGS="default")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pong"
    assert "WARNING" not in result.stderr and "Warning" not in result.stderr, result.stderr
