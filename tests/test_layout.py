"""The layout's one rule: imports run one way, bottom to top, and no first-party module imports itself back.

The rows, bottom up (README: Layout). A module may import its own row and the rows below it; a type-only import
under `if TYPE_CHECKING:` does not count. The checker reads imports from the source, so it also sees imports
made inside functions: a cycle hidden in a function is still a cycle a reader has to untangle.
"""

import ast
from collections import defaultdict
from pathlib import Path

from tests import ROOT

ROWS: dict[str, int] = {
    "schemas": 0,
    "timekeeping": 0,
    "workflows": 1,
    "activities": 2,
    "database": 2,
    "sms": 2,
    "reports": 2,
    "infra": 2,
    "archive": 2,
    "api": 3,
    "worker": 3,
    "cli": 3,
}


def modules(root: Path) -> dict[str, Path]:
    """Every first-party module under the rows' folders (and worker.py), by dotted name."""
    found = {}
    for top in ROWS:
        single = root / f"{top}.py"
        if single.is_file():
            found[top] = single
        for path in sorted((root / top).rglob("*.py")) if (root / top).is_dir() else ():
            name = ".".join(path.relative_to(root).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    hidden = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            hidden.update(id(inner) for inner in ast.walk(node))
    return hidden


def imports(root: Path) -> dict[str, set[str]]:
    """module -> the first-party modules it imports (a package's name where the import names the package)."""
    known = modules(root)

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        hidden = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in hidden:
                continue
            targets = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [resolve(f"{node.module}.{alias.name}") or resolve(node.module) for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [resolve(alias.name) for alias in node.names]
            graph[name].update(t for t in targets if t and t != name)
    return graph


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        if ROWS[target.split(".")[0]] > ROWS[module.split(".")[0]]
    )


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_no_first_party_module_imports_upward():
    assert upward_imports(imports(ROOT)) == []


def test_no_first_party_modules_import_each_other_in_a_circle():
    assert cycles(imports(ROOT)) == []


def test_every_folder_of_code_has_its_row():
    """A new top-level package must be given its row here (and its line in the README's Layout)."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench", "migrations"}
    assert packages <= set(ROWS), packages - set(ROWS)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") : readme.index("## Tests")]
    assert all(f"\n{name}" in layout for name in (*sorted(packages), "worker.py")), layout


def test_the_checker_catches_a_cycle_and_an_upward_import(tmp_path):
    """The guard itself: a tree with a loop inside `sms/` and a schema reaching up into the API fails both."""
    files = {
        "schemas/__init__.py": "",
        "schemas/case.py": "from api.pages import labels\n",
        "api/__init__.py": "",
        "api/pages/__init__.py": "",
        "api/pages/labels.py": "from schemas.case import X\n",
        "sms/__init__.py": "",
        "sms/a.py": "def f():\n    from sms.b import g\n",
        "sms/b.py": "from sms import a\n",
        "sms/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sms.a import f\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = imports(tmp_path)
    assert upward_imports(graph) == ["schemas.case -> api.pages.labels"]
    assert cycles(graph) == [["api.pages.labels", "schemas.case"], ["sms.a", "sms.b"]]
    assert "sms.a" not in graph["sms.c"], "a type-only import is not an import at run time"
