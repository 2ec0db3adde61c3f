"""The shape of the code, checked on its source (issue 15; README "Architecture").

* Imports flow one way down the pipeline: an app imports only the apps to its left.
* No import cycles between modules, counting imports inside functions too; and no project
  import inside a function (the old way of hiding a cycle), but for the reviewed exceptions below.
* Views reach models only through their app's access funnel (``<entity>_get_for_<role>``
  selectors): no ``get_object_or_404`` or ``Model.objects`` in a views module.
* No function over 60 lines, no module over ~500 lines outside data.

A new app takes its place in ``PIPELINE`` (or ``TOP``); until it does, it counts as a
foundation module and may import no pipeline app, so the test says where it must go.
"""

import ast
import collections
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("standards", "candidates", "qac")

#: The pipeline, left to right: each app may import those before it, never those after.
PIPELINE = [
    "standards",
    "candidates",
    "qac.contracts",
    "qac.exams",
    "qac.council",
    "qac.certificates",
    "qac.appeals",
    "qac.registry",
    "qac.retention",
]
#: Pages that gather several apps for one person, beside the URLs: they may import every app.
TOP = ["qac.urls", "qac.views", "qac.board", "qac.stats", "qac.journey", "qac.context_processors"]
#: Demo data comes last of all: nothing imports it.
LAST = ["qac.demo"]
# Everything else under qac/ (accounts, settings, celery, files, forms_util, urls_util, exports,
# mail, enqueue ...) is the foundation: every app may use it, and it imports no app.

#: Imports inside a function that are no cycle in disguise: (module, function) -> why.
FUNCTION_IMPORTS_ALLOWED = {
    ("qac.celery", "_carry_site_address"): "qac.celery loads before Django's settings",
    ("qac.celery", "_use_site_address"): "qac.celery loads before Django's settings",
    ("qac.celery", "_forget_site_address"): "qac.celery loads before Django's settings",
    ("qac.settings.test", "*"): "settings",
    ("qac.accounts.roles", "sync_role_groups"): "the post_migrate app registry",
}
#: Third-party libraries heavy enough to load only where they are used (PDFs, spreadsheets, Redis).
LAZY_LIBRARIES = {"weasyprint", "openpyxl", "redis"}

#: Views that may look a model up themselves, each reviewed: (module, function) -> why.
FUNNEL_EXEMPT = {
    (
        "candidates.views.candidate",
        "application_new",
    ): "pre-selects a public, active qualification from ?qualification=",
    ("qac.accounts.views", "two_factor_manage"): "counts the signed-in user's own recovery codes",
    ("qac.accounts.views", "two_factor_reset"): "the head's own page: the list of resets (head_required)",
    (
        "qac.exams.offer_views",
        "_answer",
    ): "the chosen session is checked against the offer by offers.date_offer_confirm",
}

MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 500
#: Modules that are data, or that are over the line and known: path -> why. Shrink this list.
LONG_MODULES = {
    "qac/demo/bank.py": "data: the demo question bank",
}
#: Known debt: functions over the limit, (path, name). The list only shrinks.
LONG_FUNCTIONS = {}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(), filename=str(path)) for name, path in MODULES.items()}


def _targets(module: str, node) -> list[str]:
    """The project modules an import statement names."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".")
            if MODULES[module].name != "__init__.py":
                package = package[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, base] if base else package)
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    return [n for n in names if n.split(".")[0] in PACKAGES]


def _imports():
    """(importer, imported, line, enclosing function or None) for every project import."""
    for module, tree in TREES.items():
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                child._parent = parent
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                function, up = None, getattr(node, "_parent", None)
                while up is not None and function is None:
                    if isinstance(up, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        function = up.name
                    up = getattr(up, "_parent", None)
                for target in _targets(module, node):
                    yield module, target, node.lineno, function, node


IMPORTS = list(_imports())


def _layer(module: str) -> tuple[int, str]:
    def within(prefixes):
        return next((p for p in prefixes if module == p or module.startswith(p + ".")), None)

    if app := within(LAST):
        return len(PIPELINE) + 2, app
    if within(TOP):
        return len(PIPELINE) + 1, "top"
    if app := within(PIPELINE):
        return PIPELINE.index(app) + 1, app
    return 0, "foundation"


def test_imports_flow_down_the_pipeline():
    wrong = []
    for importer, imported, line, _function, _node in IMPORTS:
        (mine, my_app), (theirs, their_app) = _layer(importer), _layer(imported)
        if theirs > mine or (theirs == mine and my_app != their_app and mine > 0):
            wrong.append(f"{importer}:{line} imports {imported} ({their_app} is not to the left of {my_app})")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    graph = collections.defaultdict(set)
    for importer, imported, _line, function, _node in IMPORTS:
        if importer != imported and function != "ready":
            graph[importer].add(imported)
    cycles, index, low, stack, on_stack = [], {}, {}, [], set()

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    assert not cycles, cycles


def test_no_project_imports_inside_functions():
    """Apps import at the top; ``AppConfig.ready()`` connects receivers, services queue tasks by name."""
    hidden = [
        f"{module}:{line} in {function}() imports {target}"
        for module, target, line, function, _node in IMPORTS
        if function not in (None, "ready")
        and (module, function) not in FUNCTION_IMPORTS_ALLOWED
        and (module, "*") not in FUNCTION_IMPORTS_ALLOWED
    ]
    assert not hidden, "\n".join(hidden)


def test_only_heavy_libraries_are_imported_inside_functions():
    lazy = []
    for module, tree in TREES.items():
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or function.name == "ready":
                continue
            if (module, function.name) in FUNCTION_IMPORTS_ALLOWED or (module, "*") in FUNCTION_IMPORTS_ALLOWED:
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    roots = [a.name.split(".")[0] for a in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    roots = [(node.module or "").split(".")[0]]
                else:
                    continue
                lazy += [f"{module}:{node.lineno} imports {r}" for r in roots if r not in LAZY_LIBRARIES]
    assert not lazy, "\n".join(lazy)


def _views_modules():
    """Every views module, and every module of a views package (candidates/views/)."""
    return [m for m in MODULES if {"views", "offer_views"} & set(m.split(".")) or m == "qac.views"]


FETCHES = {"get_object_or_404", "get_list_or_404"}


def _fetches(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FETCHES:
                yield node.lineno, func.id
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            yield node.lineno, "Model.objects"


def test_views_fetch_models_only_through_their_apps_funnels():
    """Every object a view shows comes from an ``<entity>_get_for_<role>`` selector (404 for others')."""
    found = []
    for module in _views_modules():
        for function in ast.walk(TREES[module]):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if (module, function.name) in FUNNEL_EXEMPT:
                continue
            found += [f"{module}:{line} {function.name}() uses {what}" for line, what in _fetches(function)]
    assert not found, "\n".join(sorted(set(found)))


def test_the_views_test_sees_every_views_module():
    assert {
        "qac.views",
        "qac.exams.views",
        "qac.exams.bank.views",
        "candidates.views.candidate",
        "candidates.views.staff",
        "candidates.views.files",
    } <= set(_views_modules())


def _lines(node) -> int:
    return node.end_lineno - node.lineno + 1


def test_functions_fit_in_the_head():
    long = []
    for module, tree in TREES.items():
        path = str(MODULES[module].relative_to(ROOT))
        for node in ast.walk(tree):
            is_function = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            if is_function and _lines(node) > MAX_FUNCTION_LINES and (path, node.name) not in LONG_FUNCTIONS:
                long.append(f"{path}:{node.lineno} {node.name}() has {_lines(node)} lines")
    assert not long, "\n".join(long)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_fit_in_the_head(module):
    path = str(MODULES[module].relative_to(ROOT))
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES or path in LONG_MODULES, f"{path} has {lines} lines"


def test_the_pipeline_lists_real_apps():
    from django.conf import settings

    assert set(PIPELINE) | set(LAST) <= set(settings.INSTALLED_APPS)
    apps = list(settings.INSTALLED_APPS)
    assert [a for a in apps if a in PIPELINE] == PIPELINE, "INSTALLED_APPS lists the pipeline in its order"
    assert all(apps.index(LAST[0]) > apps.index(app) for app in PIPELINE), "qac.demo comes after every app"


def test_tests_share_helpers_not_conftest_modules():
    """Shared test code lives in tests/helpers/ (or tests/factories.py); a conftest only holds fixtures."""
    wrong = []
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == "conftest":
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not wrong, "\n".join(wrong)
