"""Issue 11 on PostgreSQL: zero lost records across 500 concurrent submissions to `kb serve --workers 2`.

The scenario lives in tests/test_concurrent_submissions.py (SQLite there). Not marked slow, so CI's
PostgreSQL leg (`-m "not browser and not slow"` over tests/test_postgres_*.py) runs it.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import POSTGRES_URL, FreshDatabase
from test_concurrent_submissions import run_submission_load

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="KB_TEST_DATABASE_URL is not set (e.g. postgresql://root@127.0.0.1:5432/test)"),
]


def test_500_concurrent_submissions_on_postgres(tmp_path: Path, databases: FreshDatabase) -> None:
    run_submission_load(tmp_path, databases.url(), "PostgreSQL")
