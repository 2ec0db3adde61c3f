"""Russian throughout: a page rendered in Russian asks the catalogue for no string it lacks.

Every string a page shows in Russian goes through gettext (templates, forms, model and field names,
choices, statuses, history notes, messages). While the pages below render, a spy on the active
translation records each message the Russian catalogue (ours merged with Django's own) has no entry
for: a new ``{% translate %}``, ``gettext_lazy`` verbose name or choice left out of ``locale/ru``
makes this test fail and name it. Model and field names that bypass gettext (no ``verbose_name``,
so Django derives one from the code) are caught by the introspection test beside it.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.test import TestCase
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import trans_real

from tests.factories import UserFactory
from tests.helpers.certificates import FAIL_THEORY, PASS, issue
from tests.helpers.exam_fixtures import chair, commission, make_exam, media, qualification  # noqa: F401

pytestmark = pytest.mark.django_db

OUR_APPS = ("accounts", "standards", "candidates", "exams", "council", "certificates", "registry")
# Third-party apps whose own catalogues have no Russian: their admin pages are the operator's, not the center's.
FOREIGN_APPS = ("axes", "otp_totp", "otp_static")
# Strings that read the same in Russian (codes, formats): none needed so far.
SAME_IN_RUSSIAN: set[str] = set()
WORD = re.compile(r"[A-Za-z]{2,}")


@pytest.fixture
def untranslated(monkeypatch):
    """Every message asked of the Russian catalogue that it has no entry for."""
    missing: set[str] = set()
    gettext, ngettext = trans_real.DjangoTranslation.gettext, trans_real.DjangoTranslation.ngettext

    def spy_gettext(self, message):
        if self.language() == "ru" and message not in self._catalog and WORD.search(message):
            missing.add(message.split(trans_real.CONTEXT_SEPARATOR)[-1])
        return gettext(self, message)

    def spy_ngettext(self, msgid1, msgid2, n):
        if self.language() == "ru" and (msgid1, 0) not in self._catalog and WORD.search(msgid1):
            missing.add(msgid1)
        return ngettext(self, msgid1, msgid2, n)

    monkeypatch.setattr(trans_real.DjangoTranslation, "gettext", spy_gettext)
    monkeypatch.setattr(trans_real.DjangoTranslation, "ngettext", spy_ngettext)
    return missing


@pytest.fixture
def data(make_exam, staff):  # noqa: F811
    """A little of everything: an approved session with a pass and a fail, the Council's decision, documents."""
    built = make_exam([PASS, FAIL_THEORY])
    with TestCase.captureOnCommitCallbacks(execute=True):
        issue(built.results, staff=staff)
    return built


def _get(client, url, errors, *, allowed=(200,)):
    response = client.get(url)
    if response.status_code not in allowed:
        errors.append((url, response.status_code))
    return response


def test_admin_pages_in_russian_use_only_translated_strings(client, data, untranslated):
    """The admin index, and the list and the add form of every model of ours (403 where adding is not allowed)."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    errors: list = []
    _get(client, reverse("admin:index"), errors)
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label in FOREIGN_APPS:
            continue
        _get(client, reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"), errors)
        _get(client, reverse(f"admin:{meta.app_label}_{meta.model_name}_add"), errors, allowed=(200, 403))
    assert not errors, errors
    assert not untranslated - SAME_IN_RUSSIAN, sorted(untranslated - SAME_IN_RUSSIAN)


STAFF_PAGES = [
    ("home", {}),
    ("candidates:staff_queue", {}),
    ("candidates:staff_queue", {"status": "awaiting_review"}),
    ("candidates:staff_change_requests", {}),
    ("exams:sessions", {}),
    ("exams:sessions", {"todo": "close"}),
    ("exams_bank:index", {}),
    ("council:board", {}),
    ("certificates:list", {}),
    ("certificates:list", {"status": "to_deliver"}),
    ("registry:batches", {}),
]


@pytest.mark.parametrize("role", ["staff", "head"])
def test_staff_pages_in_russian_use_only_translated_strings(client, data, untranslated, role, request):
    client.force_login(request.getfixturevalue(role))
    errors: list = []
    for name, query in STAFF_PAGES:
        url = reverse(name)
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        _get(client, url, errors)
    session = data.session
    for name in ("exams:session", "council:session"):
        _get(client, reverse(name, args=[session.pk]), errors)
    _get(
        client,
        reverse("candidates:staff_application", args=[data.results[0].enrolment.application_id]),
        errors,
    )
    assert not errors, errors
    assert not untranslated - SAME_IN_RUSSIAN, sorted(untranslated - SAME_IN_RUSSIAN)


def test_expert_and_candidate_pages_in_russian_use_only_translated_strings(client, data, chair, untranslated):  # noqa: F811
    errors: list = []
    client.force_login(chair)
    for url in (
        reverse("home"),
        reverse("exams:expert_sessions"),
        reverse("exams:expert_session", args=[data.session.pk]),
    ):
        _get(client, url, errors)
    holder = data.holders[0]
    client.force_login(holder)
    application = data.results[0].enrolment.application
    for url in (
        reverse("home"),
        reverse("candidates:dashboard"),
        reverse("candidates:profile"),
        reverse("candidates:application", args=[application.pk]),
    ):
        _get(client, url, errors)
    client.logout()
    for url in (
        reverse("home"),
        reverse("standards:catalogue"),
        reverse("about"),
        reverse("schedule"),
        reverse("login"),
    ):
        _get(client, url, errors)
    assert not errors, errors
    assert not untranslated - SAME_IN_RUSSIAN, sorted(untranslated - SAME_IN_RUSSIAN)


def test_every_model_and_field_name_goes_through_gettext():
    """A name Django derives from the code ("from status", "export record") is English on a Russian page."""
    bare = []
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in OUR_APPS:
            continue
        for attr in ("verbose_name", "verbose_name_plural"):
            if not isinstance(meta.original_attrs.get(attr), Promise):
                bare.append(f"{meta.label}.Meta.{attr}")
        for field in meta.get_fields():
            if field.concrete and not field.auto_created and not isinstance(field.verbose_name, Promise):
                bare.append(f"{meta.label}.{field.name}")
            for _value, label in getattr(field, "flatchoices", None) or []:
                if not isinstance(label, Promise) and WORD.search(str(label)):
                    bare.append(f"{meta.label}.{field.name} choice {label!r}")
    assert not bare, bare


def test_the_catalogue_has_no_fuzzy_entry():
    """A fuzzy entry is ignored when compiled: the page would show English."""
    po = (settings.BASE_DIR / "locale" / "ru" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    fuzzy = [block.splitlines()[-2:] for block in po.split("\n\n")[1:] if "#, fuzzy" in block]
    assert not fuzzy, fuzzy[:5]


def test_the_spy_catches_a_string_missing_from_the_catalogue(untranslated):
    """The check above is not vacuous: a message absent from the catalogue is recorded, a present one is not."""
    from django.utils import translation

    with translation.override("ru"):
        assert translation.gettext("Qualifications") != "Qualifications"
        translation.gettext(PROBE)
    assert untranslated == {PROBE}


# Held in a name so that makemessages does not put it in the catalogue.
PROBE = "A string nobody translated yet"
