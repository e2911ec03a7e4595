"""Backup and restore: every table (one consistent snapshot) plus uploaded files, in one portable tar.gz."""
from __future__ import annotations

import io
import json
import tarfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Integer, func, insert, select, text
from sqlalchemy.engine import Connection, Engine

from .json_input import json_lines
from .models import Base

FORMAT_VERSION = 1


class BackupError(RuntimeError):
    """A backup could not be written or restored; the message says why."""


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _snapshot_connection(engine: Engine) -> Connection:
    if engine.dialect.name == "postgresql":
        return engine.connect().execution_options(isolation_level="REPEATABLE READ")
    return engine.connect()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime = len(data), int(time.time())
    tar.addfile(info, io.BytesIO(data))


def write_backup(engine: Engine, uploads_dir: Path, output: Path) -> dict[str, int]:
    """Write all tables from one snapshot transaction and the uploads into output (atomically)."""
    counts: dict[str, int] = {}
    tmp = output.with_name(output.name + ".part")
    try:
        with tarfile.open(tmp, "w:gz") as tar, _snapshot_connection(engine) as conn:
            with conn.begin():
                if engine.dialect.name == "sqlite":
                    conn.execute(text("SELECT 1 FROM records LIMIT 1"))  # opens the WAL read snapshot
                for table in Base.metadata.sorted_tables:
                    buffer = io.StringIO()
                    rows = 0
                    for row in conn.execute(select(table)).mappings():
                        buffer.write(json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False) + "\n")
                        rows += 1
                    counts[table.name] = rows
                    _add_bytes(tar, f"tables/{table.name}.jsonl", buffer.getvalue().encode("utf-8"))
            manifest = {"format": FORMAT_VERSION, "created": datetime.now().isoformat(timespec="seconds"),
                        "tables": counts, "dialect": engine.dialect.name}
            if uploads_dir.is_dir():
                for path in sorted(uploads_dir.iterdir()):
                    if path.is_file():
                        tar.add(path, arcname=f"uploads/{path.name}")
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode("utf-8"))
        tmp.replace(output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"cannot write {output}: {exc.strerror or exc}") from exc
    return counts


def _decode_row(table: Any, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        column = table.c.get(key)
        if column is None:
            continue
        if value is not None and isinstance(column.type, DateTime):
            value = datetime.fromisoformat(value)
        out[key] = value
    return out


def restore_backup(engine: Engine, uploads_dir: Path, archive: Path) -> dict[str, int]:
    """Load a backup into a database whose schema exists and holds no records; one transaction."""
    try:
        tar = tarfile.open(archive, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{archive} is not a kb backup: {exc}") from exc
    with tar:
        try:
            manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        except (KeyError, AttributeError, ValueError) as exc:
            raise BackupError(f"{archive} has no readable manifest.json; not a kb backup") from exc
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(f"backup format {manifest.get('format')!r} is not supported")
        counts: dict[str, int] = {}
        with engine.begin() as conn:
            existing = conn.scalar(select(func.count()).select_from(Base.metadata.tables["records"]))
            if existing:
                raise BackupError(f"the database already holds {existing} records; restore into an empty one")
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
            for table in Base.metadata.sorted_tables:
                member = tar.extractfile(f"tables/{table.name}.jsonl")
                if member is None:
                    raise BackupError(f"backup lacks table {table.name}")
                lines = member.read().decode("utf-8")  # not `text`: that name is SQLAlchemy's text() used below
                rows = [_decode_row(table, json.loads(line)) for _, line in json_lines(lines) if line]
                for start in range(0, len(rows), 1000):
                    conn.execute(insert(table), rows[start:start + 1000])
                counts[table.name] = len(rows)
            if engine.dialect.name == "postgresql":
                for table in Base.metadata.sorted_tables:
                    pk = list(table.primary_key.columns)
                    if len(pk) == 1 and isinstance(pk[0].type, Integer):
                        conn.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                            f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"))
        uploads_dir.mkdir(parents=True, exist_ok=True)
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith("uploads/"):
                name = Path(member.name).name
                if name and name == member.name.split("/", 1)[1]:
                    data = tar.extractfile(member)
                    if data is not None:
                        (uploads_dir / name).write_bytes(data.read())
    return counts
