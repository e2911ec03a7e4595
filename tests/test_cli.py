"""The `kb` command line as an administrator uses it: init, import, export, reindex, users."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Kb





def record(**fields: Any) -> dict[str, Any]:
    base = {"kind": "practice", "lang": "it", "title": "Microcredito per sarte migranti",
            "body": "Un fondo di garanzia permette a donne migranti di aprire una sartoria.",
            "themes": ["access-to-credit"], "country": "IT"}
    base.update(fields)
    return base


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def exported(kb: Any) -> list[dict[str, Any]]:
    result = kb("export", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_import_then_export_gives_back_the_records(kb: Any, tmp_path: Path) -> None:
    rows = [record(id="ext-1"), record(id="ext-2", lang="es", title="Microcrédito para costureras",
                                       body="Un fondo de garantía ayuda a mujeres migrantes.", country="ES")]
    result = kb("import", str(write_jsonl(tmp_path / "in.jsonl", rows)))
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    out = exported(kb)
    assert [r["id"] for r in out] == ["ext-1", "ext-2"]
    assert out[1]["title"] == "Microcrédito para costureras" and out[1]["themes"] == ["access-to-credit"]


def test_importing_the_same_id_again_updates_instead_of_duplicating(kb: Any, tmp_path: Path) -> None:
    kb("import", str(write_jsonl(tmp_path / "a.jsonl", [record(id="ext-1")])))
    result = kb("import", str(write_jsonl(tmp_path / "b.jsonl", [record(id="ext-1", title="Titolo nuovo")])))
    assert "1 updated" in result.output
    again = kb("import", str(tmp_path / "b.jsonl"))
    assert "1 unchanged" in again.output
    assert [r["title"] for r in exported(kb)] == ["Titolo nuovo"]


def test_translations_in_one_file_are_linked_whatever_their_order(kb: Any, tmp_path: Path) -> None:
    # A chain of versions in one file: the first line points at a record that itself points at the last.
    rows = [record(id="v-fr", lang="fr", title="Microcrédit pour couturières", translation_of="v-es"),
            record(id="v-es", lang="es", title="Microcrédito para costureras", translation_of="v-it"),
            record(id="v-it")]
    result = kb("import", str(write_jsonl(tmp_path / "in.jsonl", rows)))
    assert result.exit_code == 0, result.output
    links = {r["id"]: r.get("translation_of") for r in exported(kb)}
    assert links == {"v-fr": "v-es", "v-es": "v-it", "v-it": None}
    # A later file links to a record already stored.
    later = kb("import", str(write_jsonl(tmp_path / "de.jsonl", [record(id="v-de", lang="de", translation_of="v-it")])))
    assert later.exit_code == 0, later.output
    assert {r["id"]: r.get("translation_of") for r in exported(kb)}["v-de"] == "v-it"


def test_a_file_with_bad_lines_imports_nothing_and_names_every_fault(kb: Any, tmp_path: Path) -> None:
    rows = [
        record(id="ok-1"),
        "{not json",
        record(id="bad-lang", lang="xx"),
        record(id="bad-theme", themes=["no-such-theme"]),
        record(id="long", title="x" * 301),
        record(id="ok-1"),
        {"kind": "practice", "lang": "it"},
    ]
    result = kb("import", str(write_jsonl(tmp_path / "bad.jsonl", rows)))
    assert result.exit_code != 0
    err = result.stderr
    assert "line 2: not valid JSON" in err
    assert "line 3: lang: unknown language code 'xx'" in err
    assert "line 4: themes: unknown theme 'no-such-theme'" in err
    assert "line 5: title: is 301 characters long; the limit is 300" in err
    assert "line 6: id: duplicate external id 'ok-1' (first on line 1)" in err
    assert "line 7: title: is required" in err and "line 7: body: is required" in err
    assert "nothing was imported" in err
    assert exported(kb) == []


def test_skip_invalid_imports_the_good_lines(kb: Any, tmp_path: Path) -> None:
    rows = [record(id="ok-1"), record(id="bad", lang="xx"), record(id="ok-2")]
    result = kb("import", "--skip-invalid", str(write_jsonl(tmp_path / "mixed.jsonl", rows)))
    assert result.exit_code == 0
    assert "line 2" in result.stderr
    assert [r["id"] for r in exported(kb)] == ["ok-1", "ok-2"]


def test_latin1_file_is_refused_with_the_line(kb: Any, tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(json.dumps(record(id="a")).encode() + b"\n" +
                     json.dumps(record(id="b", title="Cr\u00e9dito"), ensure_ascii=False).encode("latin-1") + b"\n")
    result = kb("import", str(path))
    assert result.exit_code != 0
    assert "line 2: not valid UTF-8" in result.stderr
    assert exported(kb) == []


def test_csv_export_imports_back(kb: Any, make_kb: Any, tmp_path: Path) -> None:
    kb("import", str(write_jsonl(tmp_path / "in.jsonl", [record(id="c-1", themes=["access-to-credit", "women-entrepreneurs"])])))
    csv_file = tmp_path / "out.csv"
    assert kb("export", "--format", "csv", "--output", str(csv_file)).exit_code == 0
    other = make_kb("other")
    assert other("init", "--no-corpus").exit_code == 0
    result = other("import", str(csv_file))
    assert result.exit_code == 0, result.output
    assert exported(other) == exported(kb)


def test_unwritable_data_dir_gives_one_line_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = Kb(blocker / "data", "")("init", "--no-corpus")
    assert result.exit_code != 0
    assert "is not writable" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_unreachable_database_gives_one_line_reason(tmp_path: Path) -> None:
    result = Kb(tmp_path / "data", "postgresql://nobody@127.0.0.1:1/none")("init", "--no-corpus")
    assert result.exit_code != 0
    assert "cannot connect to the database" in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(("name", "value"), [("KB_WORKERS", "abc"), ("KB_WORKERS", "0"), ("KB_RATE_LIMIT_PER_MINUTE", "ten"),
                                             ("KB_SEARCH_WEIGHTS", "keyword=1,semantic=-3"), ("KB_SEARCH_WEIGHTS", "dense=2"),
                                             ("KB_SEARCH_DENSE_FLOOR", "1.5"), ("KB_SEARCH_OVERFETCH", "0")])
def test_a_malformed_setting_gives_one_line_naming_it(tmp_path: Path, name: str, value: str) -> None:
    kb = Kb(tmp_path / "data", "")
    kb.env[name] = value
    result = kb("serve", "--port", "1")
    assert result.exit_code != 0
    assert f"{name}={value!r} is not valid" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_kb_eval_tries_a_search_setting_without_editing_code(kb: Any, tmp_path: Path) -> None:
    rows = [record(id="pr-it-901"), record(id="pr-it-902", title="Corso di contabilità", body="Registri e fatture.")]
    assert kb("import", str(write_jsonl(tmp_path / "in.jsonl", rows))).exit_code == 0
    queries = write_jsonl(tmp_path / "q.jsonl", [{"id": "q1", "lang": "it", "text": "microcredito sartoria"}])
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("q1\t0\tpr-it-901\t2\n", encoding="utf-8")

    def ndcg(*overrides: str) -> float:
        result = kb("eval", "--queries", str(queries), "--qrels", str(qrels), "--mode", "hybrid", "--json", *overrides)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["hybrid"]["overall"]["ndcg@10"]

    assert ndcg() == 1.0
    # Every leg weighed zero: nothing is fused, so nothing is found (this run only).
    assert ndcg("--set", "keyword=0", "--set", "semantic=0", "--set", "concept=0") == 0.0
    assert ndcg() == 1.0
    shown = kb("eval", "--queries", str(queries), "--qrels", str(qrels), "--mode", "hybrid", "--set", "semantic=4")
    assert shown.exit_code == 0 and shown.output.startswith("with semantic=4")
    for bad, reason in (("bogus=1", "unknown search setting 'bogus'"), ("semantic=-1", "between 0 and 100"),
                        ("semantic", "expected NAME=VALUE")):
        result = kb("eval", "--queries", str(queries), "--qrels", str(qrels), "--set", bad)
        assert result.exit_code != 0 and reason in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_commands_before_init_say_so(tmp_path: Path) -> None:
    result = Kb(tmp_path / "data", "")("export")
    assert result.exit_code != 0
    assert "run `kb init` first" in result.output


def test_users_create_and_refuse_duplicates(kb: Any) -> None:
    ok = kb("users", "create", "--email", "admin@example.org", "--role", "admin", "--password", "correct horse battery")
    assert ok.exit_code == 0, ok.output
    dup = kb("users", "create", "--email", "ADMIN@example.org", "--role", "admin", "--password", "correct horse battery")
    assert dup.exit_code != 0 and "exists already" in dup.output
    partner = kb("users", "create", "--email", "p@example.org", "--role", "partner", "--password", "correct horse battery")
    assert partner.exit_code != 0 and "needs --organisation" in partner.output
    short = kb("users", "create", "--email", "t@example.org", "--role", "trainer", "--password", "short")
    assert short.exit_code != 0 and "at least" in short.output


def test_reindex_reports_the_published_records(kb: Any, tmp_path: Path) -> None:
    kb("import", str(write_jsonl(tmp_path / "in.jsonl", [record(id="r-1"), record(id="r-2")])))
    result = kb("reindex")
    assert result.exit_code == 0, result.output
    assert "reindexed 2 records" in result.output


def test_backup_then_restore_into_an_empty_knowledge_base(kb: Any, make_kb: Any, tmp_path: Path) -> None:
    kb("import", str(write_jsonl(tmp_path / "in.jsonl", [record(id="b-1"), record(id="b-2", lang="de", title="Bürgschaft",
                                                                                     body="Ein Bürgschaftsfonds ersetzt Sicherheiten.")])))
    kb("users", "create", "--email", "ed@example.org", "--role", "editor", "--password", "correct horse battery")
    archive = tmp_path / "kb.tar.gz"
    result = kb("backup", "--output", str(archive))
    assert result.exit_code == 0, result.output
    assert "backed up 2 records" in result.output
    other = make_kb("restored")
    restored = other("restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert "restored 2 records; indexed 2" in restored.output
    assert exported(other) == exported(kb)
    again = other("restore", str(archive))
    assert again.exit_code != 0 and "restore into an empty one" in again.output
    # the restored account can still be created against (unique email kept)
    dup = other("users", "create", "--email", "ed@example.org", "--role", "editor", "--password", "correct horse battery")
    assert dup.exit_code != 0 and "exists already" in dup.output


def test_restore_refuses_a_file_that_is_not_a_backup(kb: Any, tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    result = kb("restore", str(junk))
    assert result.exit_code != 0 and "not a kb backup" in result.output


def test_check_finds_and_repairs_an_index_that_disagrees_with_the_database(kb: Any, tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    kb("import", str(write_jsonl(tmp_path / "in.jsonl", [record(id="k-1"), record(id="k-2")])))
    assert "consistent" in kb("check").output
    # Someone edits the database by hand, behind the application's back: the index no longer agrees.
    url = kb.env["DATABASE_URL"] or f"sqlite:///{kb.data_dir / 'kb.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE records SET status = 'draft' WHERE external_id = 'k-1'"))
    engine.dispose()
    bad = kb("check")
    assert bad.exit_code != 0 and "1 in the index but not published" in bad.output
    fixed = kb("check", "--repair")
    assert fixed.exit_code == 0, fixed.output
    assert "repaired: reindexed 1 records" in fixed.output
    assert "consistent" in kb("check").output
