"""The docs stay true to the code: the README settings table is generated from kb_app.settings, SECURITY.md names real tests."""
import re
from pathlib import Path

from kb_app.settings import SETTINGS, settings_table_markdown

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_settings_table_matches_the_settings_list() -> None:
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- settings-table -->\n", 1)[1].split("\n<!-- /settings-table -->", 1)[0]
    assert table == settings_table_markdown()


def test_design_settings_are_all_documented() -> None:
    names = {s.name for s in SETTINGS}
    assert {"KB_DATA_DIR", "DATABASE_URL", "KB_EMBEDDING_MODEL", "KB_SECRET_KEY"} <= names


def test_every_test_security_md_names_exists() -> None:
    """SECURITY.md pins each promise to a test: a renamed or deleted test fails here, not silently."""
    text = (README.parent / "SECURITY.md").read_text(encoding="utf-8")
    named = re.findall(r"`(test_[a-z0-9_]+\.py)(?:::(test_[a-z0-9_]+))?`", text)
    assert len(named) > 30
    tests_dir = Path(__file__).resolve().parent
    missing = []
    for file, function in named:
        source = tests_dir / file
        if not source.exists() or (function and not re.search(rf"^(async )?def {function}\(", source.read_text(), re.M)):
            missing.append(f"{file}::{function}" if function else file)
    assert missing == []
