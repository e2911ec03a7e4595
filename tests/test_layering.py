"""Blueprints hold routes and forms only: none imports another, and no kb_app module reaches into one."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "kb_app"
# Every sub-package that declares a blueprint in its __init__.py.
BLUEPRINTS = {p.parent.name for p in PACKAGE.glob("*/__init__.py") if "Blueprint(" in p.read_text(encoding="utf-8")}


def _imported_packages(path: Path) -> set[str]:
    """The kb_app sub-packages a module imports (relative or absolute)."""
    inside = path.relative_to(PACKAGE).parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(inside[:-1])[: len(inside) - node.level]
                parts = base + (node.module.split(".") if node.module else [])
                names = [parts[0]] if parts else [alias.name for alias in node.names]
            elif node.module and node.module.startswith("kb_app."):
                names = [node.module.split(".")[1]]
            else:
                continue
            found.update(names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("kb_app."))
    return found


def test_no_blueprint_imports_another() -> None:
    crossings = []
    for blueprint in sorted(BLUEPRINTS):
        for path in (PACKAGE / blueprint).rglob("*.py"):
            for other in _imported_packages(path) & (BLUEPRINTS - {blueprint}):
                crossings.append(f"{path.relative_to(PACKAGE)} imports {other}")
    assert not crossings, "move the shared code to a kb_app module: " + "; ".join(crossings)


def test_only_the_factory_imports_blueprints() -> None:
    reaching = [f"{path.name} imports {name}" for path in PACKAGE.glob("*.py") if path.name != "__init__.py"
                for name in _imported_packages(path) & BLUEPRINTS]
    assert not reaching, "; ".join(reaching)


TEMPLATE_HOOKS = ("context_processor", "template_filter", "template_global", "template_test", "add_template_")


def test_only_templating_registers_template_filters_and_helpers() -> None:
    """One place (kb_app/templating.py init_app) gives templates their filters and helpers; a blueprint or module
    that registers its own hides from create_app what every page is given."""
    registering = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py") if path.name != "templating.py"
                   and any(hook in path.read_text(encoding="utf-8") for hook in TEMPLATE_HOOKS)]
    assert not registering, "register them in kb_app/templating.py init_app: " + ", ".join(sorted(registering))
