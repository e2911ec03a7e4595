"""The `kb` command line: init, import, export, reindex, eval, users, serve (and encoder training)."""
from __future__ import annotations

import functools
import getpass
import json
import sys
from pathlib import Path
from typing import Any, Callable

import click
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from .db import DatabaseUnavailable, check_connection, get_engine, schema_exists, upgrade_schema
from .models import ROLES


def _make_app() -> Flask:
    from . import create_app

    try:
        return create_app()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


def with_app(func_: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command inside an app context, turning expected failures into a one-line reason and exit 1."""

    @functools.wraps(func_)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        app = _make_app()
        try:
            with app.app_context():
                try:
                    return func_(app, *args, **kwargs)
                except DatabaseUnavailable as exc:
                    raise click.ClickException(str(exc)) from exc
                except SQLAlchemyError as exc:
                    first = str(getattr(exc, "orig", exc)).strip().splitlines()
                    raise click.ClickException(f"database error: {first[0] if first else type(exc).__name__}") from exc
        finally:
            # Close the index files and every pooled connection before the command returns.
            app.extensions["kb_search"].close()
            app.extensions["kb_engine"].dispose()

    return wrapper


def _sessions(app: Flask):  # noqa: ANN202 - sessionmaker
    return app.extensions["kb_sessions"]


def ensure_schema(app: Flask) -> None:
    engine = get_engine(app)
    check_connection(engine)
    upgrade_schema(engine)


def _require_schema(app: Flask) -> None:
    engine = get_engine(app)
    check_connection(engine)
    if not schema_exists(engine):
        raise click.ClickException("the database has no schema yet; run `kb init` first")


def _progress(total: int | None, desc: str) -> tuple[tqdm, Callable[[int], None]]:
    bar = tqdm(total=total, desc=desc, unit="rec", file=sys.stderr, disable=None, leave=False)

    def update(done: int) -> None:
        bar.n = done
        bar.refresh()

    return bar, update


def build_indexes(app: Flask) -> int:
    """Rebuild every index from the database, with a progress bar; returns the number of records indexed."""
    from .models import Record
    from .search_service import get_search_service

    with _sessions(app)() as session:
        total = session.scalar(select(func.count()).select_from(Record).where(Record.status == "published"))
    bar, update = _progress(total, "indexing")
    try:
        return get_search_service(app).rebuild(progress=update)
    finally:
        bar.close()


def initialise(app: Flask, load_seed: bool = True) -> dict[str, int]:
    """Create or upgrade the schema, load the corpus (upsert) and build the indexes."""
    from .corpus import corpus_record_files, load_corpus, load_reference_data

    ensure_schema(app)
    corpus_dir = Path(app.config["KB_CORPUS_DIR"])
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with _sessions(app)() as session:
        if load_seed:
            if not corpus_dir.is_dir():
                raise click.ClickException(f"corpus folder {corpus_dir} not found")
            lines = sum(len([ln for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()])
                        for p in corpus_record_files(corpus_dir))
            bar, update = _progress(lines, "loading corpus")
            try:
                report = load_corpus(session, corpus_dir, progress=update)
            finally:
                bar.close()
            counts = {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
        elif corpus_dir.is_dir():
            load_reference_data(session, corpus_dir)
    counts["indexed"] = build_indexes(app)
    return counts


@click.group(help="M.I.C.R.O. knowledge base: manage the catalogue, its indexes and the server.")
def main() -> None:
    pass


@main.command("init", help="Create the schema, load corpus/ and build the indexes (safe to run twice).")
@click.option("--no-corpus", is_flag=True, help="Create an empty knowledge base (themes and curricula only).")
@with_app
def init_command(app: Flask, no_corpus: bool) -> None:
    from .importer import ImportFailed

    try:
        counts = initialise(app, load_seed=not no_corpus)
    except ImportFailed as exc:
        for error in exc.report.errors[:50]:
            click.echo(f"corpus {error}", err=True)
        raise click.ClickException(str(exc)) from exc
    click.echo(f"initialised: {counts['created']} records created, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged, {counts['indexed']} indexed")


@main.command("import", help="Import records from a JSON Lines (or .csv) file in the interchange format.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the valid lines and report the invalid ones.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default=None, help="File format (default: from the file name).")
@with_app
def import_command(app: Flask, file: Path, skip_invalid: bool, fmt: str | None) -> None:
    from .importer import ImportFailed, import_records
    from .search_service import get_search_service

    _require_schema(app)
    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror}") from exc
    fmt = fmt or ("csv" if file.suffix.lower() == ".csv" else "jsonl")
    lines = data.count(b"\n") + 1
    bar, update = _progress(lines, "importing")
    try:
        with _sessions(app)() as session:
            report = import_records(session, data, fmt=fmt, skip_invalid=skip_invalid, progress=update)
    except ImportFailed as exc:
        bar.close()
        for error in exc.report.errors:
            click.echo(f"{file}: {error}", err=True)
        raise click.ClickException(f"{len(exc.report.errors)} error(s) in {file}; nothing was imported") from exc
    bar.close()
    for error in report.errors:
        click.echo(f"{file}: skipped {error}", err=True)
    # Bringing the index up to date is most of an import's time: it gets a bar (records/s) of its own.
    bar, update = _progress(None, "indexing")

    def indexed(done: int, total: int) -> None:
        bar.total = total
        update(done)

    try:
        get_search_service(app).catch_up(progress=indexed)
    finally:
        bar.close()
    click.echo(f"imported {file}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
               f"{report.skipped} invalid line(s) skipped")


@main.command("import-documents", help="Create drafts from a folder of DOCX, ODT and PDF files (one draft per file).")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--organisation", required=True, help="Organisation the drafts belong to (slug or name).")
@click.option("--kind", type=click.Choice(["practice", "resource"]), default="practice", show_default=True)
@with_app
def import_documents_command(app: Flask, folder: Path, organisation: str, kind: str) -> None:
    from .catalogue import find_organisation
    from .documents.drafts import NotADocument, start_draft
    from .documents.reading import get_text_reader
    from .documents.vocabulary import problem_code_text
    from .models import Organisation
    from .search_service import get_search_service
    from .uploads import UploadRefused

    _require_schema(app)
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    limit = int(float(app.config["KB_MAX_UPLOAD_MB"]) * 1024 * 1024)
    reader = get_text_reader(app)
    with _sessions(app)() as session:
        org = find_organisation(session, organisation)
        if org is None:
            raise click.ClickException(f"no organisation {organisation!r}; see the organisations page or `kb init`")
        org_id = org.id
    created = 0
    bar = tqdm(files, desc="reading documents", unit="file", file=sys.stderr, disable=None, leave=False)
    for path in bar:
        try:
            with path.open("rb") as stream, _sessions(app)() as session:
                record = start_draft(session, app.config["KB_DATA_DIR"], path.name, stream, limit, kind=kind,
                                     lang="en", organisation=session.get(Organisation, org_id), user=None)
                record_id, attachment_id = record.id, record.attachments[0].id
        except (UploadRefused, NotADocument, OSError) as exc:
            reason = {"empty": "empty file", "too_large": f"larger than {app.config['KB_MAX_UPLOAD_MB']:g} MB",
                      "unknown_type": "not a PDF, DOCX or ODT file"}.get(getattr(exc, "reason", ""), None)
            if isinstance(exc, NotADocument):
                reason = "not a PDF, DOCX or ODT file"
            elif isinstance(exc, OSError):
                reason = exc.strerror or str(exc)
            tqdm.write(f"{path.name}: skipped ({reason})", file=sys.stderr)
            continue
        created += 1
        report = reader.read(attachment_id)
        if report is None or report.status != "ok":
            why = problem_code_text(report.problem) if report and report.problem else "no text found"
            tqdm.write(f"{path.name}: draft {record_id}, text not read ({why}); fill it in by hand")
            continue
        pages = f", {report.pages} pages" if report.pages else ""
        filled = ", ".join(report.prefilled) or "nothing"
        tqdm.write(f"{path.name}: draft {record_id} ({report.lang}{pages}, {report.chars} characters): {filled}")
    bar.close()
    get_search_service(app).engine  # noqa: B018 - opening the engine replays the change log into the index
    click.echo(f"{created} draft(s) created from {len(files)} file(s) in {folder}; none is published until reviewed")


@main.command("export", help="Export the published catalogue in the interchange format.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write (default: standard output).")
@with_app
def export_command(app: Flask, fmt: str, output: Path | None) -> None:
    from .exporter import export_lines

    _require_schema(app)
    with _sessions(app)() as session:
        if output is None:
            for line in export_lines(session, fmt):
                sys.stdout.write(line)
            return
        tmp = output.with_name(output.name + ".part")
        try:
            with tmp.open("w", encoding="utf-8", newline="") as handle:
                count = -1 if fmt == "csv" else 0
                for line in export_lines(session, fmt):
                    handle.write(line)
                    count += 1
            tmp.replace(output)
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc.strerror}") from exc
    click.echo(f"exported {count} records to {output}", err=True)


@main.command("notify", help="Send the due e-mail digests of saved searches (safe to run as often as you like: run it hourly from cron or a systemd timer).")
@with_app
def notify_command(app: Flask) -> None:
    from .digests import run_digests

    _require_schema(app)
    # Links in the mail point at the public address: there is no request to take it from.
    with app.test_request_context(base_url=app.config["KB_PUBLIC_URL"]), _sessions(app)() as session:
        report = run_digests(app, session)
    click.echo(f"{report.due} saved searches due, {report.digests} digests sent with {report.records} records", err=True)
    if report.failed:
        raise click.ClickException(f"could not mail {len(report.failed)} digests (to {', '.join(report.failed[:5])}); they will be retried")


@main.command("reindex", help="Rebuild every index from the database into a new folder and swap it in.")
@with_app
def reindex_command(app: Flask) -> None:
    _require_schema(app)
    count = build_indexes(app)
    click.echo(f"reindexed {count} records")


@main.command("eval", help="Evaluate search quality on judged queries (nDCG@10, Recall@10/100, MRR@10).")
@click.option("--queries", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--qrels", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--mode", type=click.Choice(["hybrid", "semantic", "keyword", "all"]), default="all", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Try a search setting for this run only (repeatable): a leg weight (keyword, semantic, concept) "
                   "or an engine setting such as dense_min_score=0.5.")
@with_app
def eval_command(app: Flask, queries: Path, qrels: Path, mode: str, as_json: bool, overrides: tuple[str, ...]) -> None:
    from .evaluation import run_evaluation

    _require_schema(app)
    modes = ["keyword", "semantic", "hybrid"] if mode == "all" else [mode]
    changes = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.ClickException(f"--set {item!r}: expected NAME=VALUE, e.g. semantic=4")
        changes[name.strip()] = value.strip()
    try:
        reports = run_evaluation(app, queries, qrels, modes, overrides=changes)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(reports, indent=2, ensure_ascii=False))
        return
    from indexing.evaluation import format_report

    if changes:
        click.echo("with " + ", ".join(f"{name}={value}" for name, value in changes.items()))
    for name, report in reports.items():
        click.echo(f"== mode: {name}")
        click.echo(format_report(report))


@main.group("users", help="Manage accounts.")
def users_group() -> None:
    pass


@users_group.command("create", help="Create an account (the first admin, say).")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(list(ROLES)), required=True)
@click.option("--name", default="")
@click.option("--organisation", default=None, help="Organisation slug or name (required for partners).")
@click.option("--password", default=None, help="Password (prompted when omitted; or set KB_NEW_PASSWORD).")
@with_app
def users_create(app: Flask, email: str, role: str, name: str, organisation: str | None, password: str | None) -> None:
    import os

    from .accounts import AccountError, create_user

    _require_schema(app)
    password = password or os.environ.get("KB_NEW_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise click.ClickException("no password given: use --password, KB_NEW_PASSWORD or an interactive terminal")
        password = getpass.getpass("Password: ")
    with _sessions(app)() as session:
        try:
            user = create_user(session, email=email, password=password, role=role, name=name, organisation=organisation)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"created {user.role} {user.email} (id {user.id})")


@main.command("serve", help="Serve the knowledge base: one waitress process, or with --workers N a gunicorn arbiter "
                             "(waitress processes under our own supervisor where gunicorn cannot run).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per worker process.")
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Worker processes on one port (default: KB_WORKERS). Search is CPU-bound Python: use one per core.")
@click.option("--trusted-proxy", default=None, help="Address of a load balancer whose X-Forwarded-For/-Proto headers are believed ('*' for any).")
@click.option("--listen-fd", default=None, type=int, hidden=True, help="Internal: serve on this inherited socket (a worker).")
@with_app
def serve_command(app: Flask, host: str, port: int, threads: int, workers: int | None, trusted_proxy: str | None,
                  listen_fd: int | None) -> None:
    from .search_service import get_search_service

    workers = workers or int(app.config["KB_WORKERS"])
    if listen_fd is None:
        # With workers, a first-start load runs in a child `kb init`, so this supervisor never holds the model.
        _prepare_database_for_serving(app, in_child=workers > 1)
    if listen_fd is None and workers > 1:
        from .gunicorn_server import gunicorn_available, serve_with_gunicorn

        if gunicorn_available():
            click.echo(f"serving on http://{host}:{port} with {workers} gunicorn workers", err=True)
            get_engine(app).dispose()  # the arbiter forks: no pooled connection may be shared with a worker
            serve_with_gunicorn(host, port, workers, threads, float(app.config["KB_WORKER_TIMEOUT"]),
                                int(app.config["KB_MAX_REQUESTS"]), trusted_proxy, str(app.config["KB_LOG_LEVEL"]))
            return  # not reached: the arbiter exits the process with its status
        from .workers import Supervisor, bind_listener

        try:
            listener = bind_listener(host, port)
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        args = ["--threads", str(threads)] + (["--trusted-proxy", trusted_proxy] if trusted_proxy else [])
        click.echo(f"serving on http://{host}:{port} with {workers} worker processes", err=True)
        status = Supervisor(listener, workers, args).run()
        if status:
            raise click.ClickException("the workers could not start; see the messages above")
        return
    service = get_search_service(app)
    service.engine  # noqa: B018 - load the model and index before the first request
    if app.config["KB_WARM_UP"]:
        seconds = service.warm_up() + _warm_up_pages(app)
        click.echo(f"warmed up the search in {seconds:.1f} s", err=True)
    service.start_following()  # other processes' changes reach this replica even while no one searches
    _serve_waitress(app, host, port, threads, trusted_proxy, listen_fd)


def _warm_up_pages(app: Flask) -> float:
    """Render the results page and the search API once (templates compiled, catalogues read); their seconds."""
    import time

    started = time.perf_counter()
    client = app.test_client()
    for path in ("/search?q=microcredito", "/api/v1/search?q=microcredito"):
        response = client.get(path, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        if response.status_code != 200:
            click.echo(f"warm-up: {path} answered {response.status_code}", err=True)
    return time.perf_counter() - started


def _prepare_database_for_serving(app: Flask, in_child: bool) -> None:
    """Check the connection, bring the schema up to date, and load the shipped corpus into an empty catalogue."""
    import subprocess

    from .models import Record

    engine = get_engine(app)
    check_connection(engine)
    if app.config["KB_AUTO_INIT"]:
        empty = not schema_exists(engine)
        if not empty:
            with _sessions(app)() as session:
                empty = session.scalar(select(func.count()).select_from(Record)) == 0
        if empty:
            click.echo("first start: creating the database and loading the shipped corpus ...", err=True)
            if in_child:
                if subprocess.run([sys.executable, "-m", "kb_app.cli", "init"]).returncode != 0:
                    raise click.ClickException("loading the shipped corpus failed; see the messages above")
            else:
                counts = initialise(app)
                click.echo(f"loaded {counts['created']} records and indexed {counts['indexed']}", err=True)
    ensure_schema(app)


def _serve_waitress(app: Flask, host: str, port: int, threads: int, trusted_proxy: str | None,
                    listen_fd: int | None) -> None:
    from waitress import serve

    proxy: dict[str, Any] = {}
    if trusted_proxy:
        # Rate limits and the sign-in throttle key on the client address: take it from the proxy's header.
        proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_count": 1,
                 "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto", "clear_untrusted_proxy_headers": True}
    if listen_fd is not None:
        from .workers import listener_from_fd

        serve(app, sockets=[listener_from_fd(listen_fd)], threads=threads, ident="micro-kb", **proxy)
        return
    click.echo(f"serving on http://{host}:{port}", err=True)
    serve(app, host=host, port=port, threads=threads, ident="micro-kb", **proxy)


@main.command("check", help="Compare the indexes with the database; --repair rebuilds them when they disagree.")
@click.option("--repair", is_flag=True, help="Rebuild the indexes when they disagree with the database.")
@with_app
def check_command(app: Flask, repair: bool) -> None:
    from .consistency import check_index

    _require_schema(app)
    report = check_index(app)
    click.echo(report.summary())
    if report.consistent:
        return
    if not repair:
        raise click.ClickException("the indexes disagree with the database; run `kb check --repair`")
    count = build_indexes(app)
    after = check_index(app)
    if not after.consistent:
        raise click.ClickException(f"still inconsistent after rebuilding: {after.summary()}")
    click.echo(f"repaired: reindexed {count} records")


@main.command("backup", help="Write the database and uploaded files to a .tar.gz (consistent while serving).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_app
def backup_command(app: Flask, output: Path) -> None:
    from .backup import BackupError, write_backup

    _require_schema(app)
    try:
        counts = write_backup(get_engine(app), Path(app.config["KB_DATA_DIR"]) / "uploads", output)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up {counts.get('records', 0)} records and {sum(counts.values())} rows to {output}")


@main.command("restore", help="Restore a backup into an empty knowledge base and rebuild the indexes.")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_app
def restore_command(app: Flask, archive: Path) -> None:
    from .backup import BackupError, restore_backup

    ensure_schema(app)
    try:
        counts = restore_backup(get_engine(app), Path(app.config["KB_DATA_DIR"]) / "uploads", archive)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    indexed = build_indexes(app)
    click.echo(f"restored {counts.get('records', 0)} records; indexed {indexed}")


def _mount_encoder_commands() -> None:
    try:
        from indexing.encoder_cli import encoder
    except ImportError:  # training extras are optional
        return
    main.add_command(encoder, "encoder")


_mount_encoder_commands()


if __name__ == "__main__":
    main()
