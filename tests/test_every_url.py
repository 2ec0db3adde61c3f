"""Every URL of the project, by every kind of visitor, answers without a server error (issue 11, item 8).

On the demo data (``seed_demo``: applications, sessions, Council packages and documents in every status)
the test resolves every URL pattern, fills its parameters with real objects and with an id that does
not exist, and asks as the anonymous visitor, a candidate, another candidate, a candidate who sat exams,
an expert, staff and the head:
- GET every page;
- POST every URL with an empty body;
- submit every form found on the pages staff, experts and candidates see, then the same form again
  (the repeated, now stale form: the state has moved on, a double click, a second tab).
Any 5xx, or an exception escaping a view, is collected and reported with its URL and visitor.
"""

import html.parser
import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from candidates.models import Application, ApplicationDocument, CallTask, IdentityChangeRequest
from qac.appeals.models import Appeal, AppealFile
from qac.certificates.models import DuplicateRequest, IssuedDocument
from qac.contracts.models import Contract
from qac.council.models import CouncilPackage
from qac.exams.models import DateOffer, Enrolment, ExamResult, ExamSession, TheoryAttempt
from qac.registry.models import AnswerImport, ExportBatch
from qac.retention.models import DestructionAct
from standards.models import Qualification

pytestmark = pytest.mark.django_db

MISSING = 987654
PERSONAS = {
    "anonymous": None,
    "candidate": "candidate1@qac.local",
    "other_candidate": "candidate2@qac.local",
    "candidate_with_exams": "archive1@qac.local",
    "expert": "expert1@qac.local",
    "staff": "staff@qac.local",
    "head": "head@qac.local",
}
# Which objects fill a route's <int:pk>, by the route's name.
PK_SOURCES = {
    "candidates:application": Application,
    "candidates:application_upload": Application,
    "candidates:application_submit": Application,
    "candidates:application_resubmit": Application,
    "candidates:application_withdraw": Application,
    "candidates:application_delete": Application,
    "candidates:staff_application": Application,
    "candidates:staff_application_action": Application,
    "candidates:document": ApplicationDocument,
    "exams:session": ExamSession,
    "exams:session_action": ExamSession,
    "exams:session_reschedule": ExamSession,
    "exams:session_enrol": ExamSession,
    "exams:protocol": ExamSession,
    "exams:expert_session": ExamSession,
    "exams:expert_approve": ExamSession,
    "exams:enrolment_action": Enrolment,
    "exams:expert_score": Enrolment,
    "exams:my_exam": Enrolment,
    "exams:theory_start": Enrolment,
    "exams:expert_correct": ExamResult,
    "exams:theory": TheoryAttempt,
    "exams:theory_answer": TheoryAttempt,
    "exams:theory_submit": TheoryAttempt,
    "exams_bank:questions": Qualification,
    "exams_bank:export": Qualification,
    "exams_bank:import": Qualification,
    "council:session": ExamSession,
    "council:package_action": ExamSession,
    "council:decision_action": ExamSession,
    "council:package_file": CouncilPackage,
    "certificates:file": IssuedDocument,
    "certificates:document": IssuedDocument,
    "certificates:action": IssuedDocument,
    "certificates:duplicate_request": DuplicateRequest,
    "certificates:duplicate_file": DuplicateRequest,
    "certificates:session": ExamSession,
    "certificates:progress": ExamSession,
    "certificates:session_issue": ExamSession,
    "certificates:session_zip": ExamSession,
    "registry:answer_file": AnswerImport,
    "registry:mark": ExportBatch,
    "registry:file": ExportBatch,
    "candidates:application_contact": Application,
    "candidates:staff_change_request": IdentityChangeRequest,
    "candidates:staff_change_request_decide": IdentityChangeRequest,
    "candidates:staff_change_request_file": IdentityChangeRequest,
    "candidates:staff_call_done": CallTask,
    "exams:session_monitor": ExamSession,
    "exams:session_monitor_data": ExamSession,
    "exams:my_date_offer": Application,
    "exams:my_date_offer_answer": DateOffer,
    "exams:staff_date_offer": Application,
    "exams:staff_date_offer_action": DateOffer,
    "contracts:detail": Contract,
    "contracts:action": Contract,
    "contracts:paper": Contract,
    "contracts:my_paper": Contract,
    "appeals:new": Application,
    "appeals:staff_new": Application,
    "appeals:withdraw": Appeal,
    "appeals:file": AppealFile,
    "appeals:staff_appeal": Appeal,
    "appeals:staff_action": Appeal,
    "retention:act": DestructionAct,
    "retention:act_action": DestructionAct,
    "retention:act_pdf": DestructionAct,
}
STRING_VALUES = {
    "uidb64": ["MQ", "!!"],
    "token": ["set-password", "bad-token"],
    "fmt": ["csv", "xlsx", "json", "pdf"],
    "kind": ["xml", "csv", "zip", "contract", "invoice"],
    "action": ["forward"],  # the other actions are sent by the replayed forms of the appeal pages
    "code": None,  # the qualification codes, filled below
}
# Views that end the visitor's session or serve nothing a form could be replayed against.
NO_REPLAY = {"logout", "set_language"}


def routes():
    """(route pattern with <converters>, full URL name) of every pattern outside the admin."""

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace])) if p.namespace else namespace
                if p.app_name == "admin":
                    continue
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), ":".join(filter(None, [namespace, p.name]))

    return list(walk(get_resolver().url_patterns, "", None))


def pk_values(model, limit: int) -> list[int]:
    """One object per status where the model has one, at most ``limit``, and an id that does not exist."""
    field = next((f for f in ("status", "render_status", "kind") if hasattr(model, f)), None)
    seen, values = set(), []
    for pk, state in model.objects.order_by("pk").values_list("pk", field or "pk"):
        if state not in seen:
            seen.add(state)
            values.append(pk)
    return [*values[:limit], MISSING]


def urls_for(route: str, name: str, limit: int) -> list[str]:
    params = re.findall(r"<(?:(\w+):)?(\w+)>", route)
    if not params:
        return ["/" + route]
    choices = []
    for converter, param in params:
        if converter == "int":
            choices.append([str(v) for v in pk_values(PK_SOURCES[name], limit)])
        elif param == "code":
            choices.append([*Qualification.objects.values_list("code", flat=True)[:2], "99.99999.99"])
        else:
            choices.append(STRING_VALUES.get(param, ["x"]))
    urls = [route]
    for (converter, param), values in zip(params, choices, strict=True):
        token = f"<{converter}:{param}>" if converter else f"<{param}>"
        urls = [u.replace(token, v, 1) for u in urls for v in values]
    return ["/" + u for u in urls]


class FormFinder(html.parser.HTMLParser):
    """The POST forms of a page, each as (action, fields) once per submit button."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": {}, "buttons": []}
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind == "submit":
                self._form["buttons"].append((a["name"], a.get("value") or ""))
            elif kind in ("checkbox", "radio"):
                if kind == "checkbox" or a["name"] not in self._form["fields"]:
                    self._form["fields"][a["name"]] = a.get("value") or "on"
            elif kind != "file":
                self._form["fields"][a["name"]] = a.get("value") or {"number": "1", "date": "2030-01-01"}.get(kind, "x")
        elif tag == "button" and a.get("name"):
            self._form["buttons"].append((a["name"], a.get("value") or ""))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and a.get("value") and self._select not in self._form["fields"]:
            self._form["fields"][self._select] = a["value"]
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"][a["name"]] = "Проверка"

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            buttons = self._form["buttons"] or [None]
            for button in buttons:
                fields = dict(self._form["fields"])
                if button:
                    fields[button[0]] = button[1]
                self.forms.append((self._form["action"], fields))
            self._form = None


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (closed with the process)
    yield {name: get_user_model().objects.get(email=email) if email else None for name, email in PERSONAS.items()}
    # The walk spends the rate limits (public verification) of 127.0.0.1; later tests must start afresh.
    cache.clear()


def test_no_url_answers_a_server_error_to_anyone_on_get_empty_post_or_a_repeated_form(demo):
    failures = []
    clients = {persona: Client(raise_request_exception=True) for persona in PERSONAS}

    def ask(persona, method, url, data=None):
        client = clients[persona]
        # Signed in once, and again only if a request ended the session.
        if demo[persona] is not None and not getattr(client.cookies.get("sessionid"), "value", ""):
            client.force_login(demo[persona])
        try:
            response = getattr(client, method)(url, data or {})
        except Exception as exc:
            failures.append(f"{persona} {method.upper()} {url}: {type(exc).__name__}: {exc}")
            return None
        if response.status_code >= 500:
            failures.append(f"{persona} {method.upper()} {url}: {response.status_code}")
        return response

    # Objects in several states for the people they belong to; one object (and the missing id) is
    # enough to show that the others are turned away, and keeps the walk quick.
    every_url = {
        limit: [(name, url) for route, name in routes() for url in urls_for(route, name, limit)] for limit in (1, 4)
    }
    assert len(every_url[1]) > 100
    pages = {}
    for persona in PERSONAS:
        urls = every_url[1 if persona in ("anonymous", "other_candidate") else 4]
        for _name, url in urls:
            response = ask(persona, "get", url)
            if response is not None and response.status_code == 200 and "html" in response.get("Content-Type", ""):
                pages[(persona, url)] = response.content.decode()
        for name, url in urls:
            if name not in NO_REPLAY:
                ask(persona, "post", url)

    # Every form on every page, sent twice: the second time the state has already moved on.
    sent = set()
    for (persona, url), page in pages.items():
        if persona == "anonymous":
            continue
        finder = FormFinder()
        finder.feed(page)
        for action, fields in finder.forms:
            target = action or url
            key = (persona, target, tuple(sorted(fields.items())))
            if key in sent or any(target.rstrip("/").endswith(n) for n in ("logout", "setlang")):
                continue
            sent.add(key)
            ask(persona, "post", target, fields)
            ask(persona, "post", target, fields)

    # The admin, for the two roles that may use it: every list, the add form and one change form.
    for persona in ("staff", "head"):
        for model, _model_admin in admin.site._registry.items():
            base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            first = model.objects.order_by("pk").first()
            for url in [base, base + "add/", *([f"{base}{first.pk}/change/"] if first else [])]:
                ask(persona, "get", url)

    assert failures == [], "\n".join(failures)
    assert len(sent) > 30, "the pages' forms were found and replayed"
