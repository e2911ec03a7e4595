"""The Alembic migrations form one chain: a second head would make every `kb init` and server start fail."""
from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory

from kb_app.db import MIGRATIONS_DIR


def test_the_migrations_have_exactly_one_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several heads {heads}: set the newest migration's down_revision to the previous head"
