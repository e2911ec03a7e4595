"""The README stays true to the code: its settings table is the one generated from kb_app.settings."""
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
