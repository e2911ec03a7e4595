"""Every setting of the service in one place: name, default and a one-line help each."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from indexing.backends import DEFAULT_KEYWORD_BACKEND, KEYWORD_BACKENDS
from indexing.engine import WEIGHT_NAMES, EngineSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    """One environment setting, as documented in the README table."""

    name: str
    default: str
    help: str
    parse: Callable[[str], Any] = str


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _keyword_backend(value: str) -> str:
    """One of the keyword backends indexing/backends offers."""
    name = value.strip().lower()
    if name not in KEYWORD_BACKENDS:
        raise ValueError(f"use one of {', '.join(KEYWORD_BACKENDS)}")
    return name


def _count(value: str) -> int:
    """A whole number of at least 1."""
    number = int(value)
    if number < 1:
        raise ValueError("must be at least 1")
    return number


def _search_weights(value: str) -> dict[str, str]:
    """leg=weight pairs, comma separated (keyword, semantic, concept), each checked for its range."""
    pairs: dict[str, str] = {}
    for part in value.split(","):
        name, sep, number = part.partition("=")
        if not sep or name.strip() not in WEIGHT_NAMES:
            raise ValueError(f"expected leg=weight pairs with legs {', '.join(WEIGHT_NAMES)}, got {part.strip()!r}")
        pairs[name.strip()] = number.strip()
    EngineSettings().tuned(pairs)
    return pairs


def _engine_value(field: str) -> Callable[[str], str]:
    """A parser for one query-time engine setting: the text, once its range is checked."""
    def parse(value: str) -> str:
        EngineSettings().tuned({field: value.strip()})
        return value.strip()
    return parse


# Search settings: environment name -> EngineSettings field (defaults come from EngineSettings).
SEARCH_SETTINGS = {
    "KB_SEARCH_DENSE_FLOOR": ("dense_min_score", "Absolute cosine a record needs to enter the result set by meaning alone (0-1)."),
    "KB_SEARCH_SEMANTIC_FLOOR": ("semantic_min_score", "Absolute cosine a record needs to enter the result set of a search by meaning only (semantic mode, 0-1)."),
    "KB_SEARCH_RELATIVE_FLOOR": ("dense_relative_floor", "Share of the query's best cosine a record needs to enter the result set by meaning alone (0-1)."),
    "KB_SEARCH_KEYWORD_FLOOR": ("keyword_min_score", "Cosine a keyword match of a several-word query needs to stay in the hybrid result set (0-1)."),
    "KB_SEARCH_CONCEPT_SHARE": ("concept_min_match", "Share of the query's concepts (by idf) a record must carry to enter the result set by concepts (0-1)."),
    "KB_SEARCH_TARGET_BOOST": ("target_group_boost", "How far records about a target group the query names move up in hybrid search (0: off)."),
    "KB_SEARCH_OVERFETCH": ("overfetch", "Records each search leg fetches before fusion, filters and facets (1-10000)."),
}
_DEFAULTS = EngineSettings()


def engine_settings(config: dict[str, Any]) -> EngineSettings:
    """The search engine's settings from the resolved KB_* settings."""
    overrides = dict(config.get("KB_SEARCH_WEIGHTS") or {})
    overrides.update({field: config[name] for name, (field, _) in SEARCH_SETTINGS.items() if name in config})
    base = EngineSettings(keyword_backend=config.get("KB_KEYWORD_BACKEND") or _DEFAULTS.keyword_backend)
    return base.tuned(overrides)


SETTINGS: tuple[Setting, ...] = (
    Setting("KB_DATA_DIR", "./instance", "Where the SQLite file, the secret and the index files live."),
    Setting("DATABASE_URL", "", "SQLAlchemy URL; PostgreSQL for multi-server deployments (empty: SQLite in KB_DATA_DIR)."),
    Setting("KB_EMBEDDING_MODEL", "", "sentence-transformers name or local path of the encoder (empty: the bundled offline multilingual encoder)."),
    Setting("KB_KEYWORD_BACKEND", DEFAULT_KEYWORD_BACKEND,
            f"Keyword index backend: {' or '.join(KEYWORD_BACKENDS)} (an index another one built is rebuilt on start).",
            _keyword_backend),
    Setting("KB_SEARCH_WEIGHTS", ",".join(f"{leg}={getattr(_DEFAULTS, field):g}" for leg, field in WEIGHT_NAMES.items()),
            "Hybrid leg weights in reciprocal rank fusion, leg=weight pairs (keyword, semantic, concept; 0-100).",
            _search_weights),
    *(Setting(name, f"{getattr(_DEFAULTS, field):g}", help, _engine_value(field))
      for name, (field, help) in SEARCH_SETTINGS.items()),
    Setting("KB_SECRET_KEY", "", "Session/CSRF secret (empty: generated once into KB_DATA_DIR/secret_key)."),
    Setting("KB_CORPUS_DIR", str(PROJECT_ROOT / "corpus"), "Folder of the seed corpus loaded by `kb init`."),
    Setting("KB_AUTO_INIT", "true", "On first start, create the schema and load and index the corpus when the database is empty.", _bool),
    Setting("KB_WARM_UP", "true", "Before `kb serve` takes requests, run a few searches so the first visitor's search is as fast as the rest.", _bool),
    Setting("KB_WORKERS", "1", "Server processes `kb serve` starts on one port (search is CPU-bound: one per core).", _count),
    Setting("KB_WORKER_TIMEOUT", "120", "Seconds a `kb serve --workers` worker may go silent (one request, or its start) before it is killed and replaced.", float),
    Setting("KB_MAX_REQUESTS", "5000", "Requests after which a `kb serve --workers` worker is replaced by a fresh one (0: never).", int),
    Setting("KB_INDEX_SYNC_SECONDS", "2", "How often a server checks the database for index changes made by other servers.", float),
    Setting("KB_MAX_UPLOAD_MB", "10", "Largest attachment a partner may upload, in megabytes.", float),
    Setting("KB_EXTRACT_MAX_PAGES", "300", "Pages of a PDF attachment whose text is read for search and drafts (the rest is left out).", _count),
    Setting("KB_EXTRACT_MAX_CHARS", "500000", "Characters of text kept from one attachment.", _count),
    Setting("KB_EXTRACT_MAX_SECONDS", "30", "Seconds the reading of one attachment may take before it is given up.", float),
    Setting("KB_RATE_LIMIT_PER_MINUTE", "120", "Anonymous API requests per client IP per minute (tokens get ten times more); 0 turns the limit off.", int),
    Setting("KB_SEARCH_PAGES_PER_MINUTE", "60", "Search result pages (HTML /search) per client IP per minute; 0 turns the limit off.", int),
    Setting("KB_REDIS_URL", "", "Redis URL (redis://host:6379/0) where every worker and server counts rate limits together (empty: each process counts its own).", str),
    Setting("KB_LOGIN_ATTEMPTS_PER_15MIN", "10", "Failed sign-ins allowed per account and IP in 15 minutes.", int),
    Setting("KB_MAIL_SERVER", "", "SMTP host[:port] for mail: password resets, review notifications, saved-search digests (empty: each mail is written to the log)."),
    Setting("KB_MAIL_SENDER", "", "From address of the service's mail (empty: no-reply@ the mail host)."),
    Setting("KB_PUBLIC_URL", "http://localhost:5000", "The service's public address, for links in mail that `kb notify` sends outside any request."),
    Setting("KB_ADMIN_EMAIL", "kb-admin@example.org", "Contact address of whoever runs the service, given to harvesters (OAI-PMH Identify, /catalogue.jsonld)."),
    Setting("KB_OAI_PAGE_SIZE", "100", "Records per OAI-PMH list response; a resumption token fetches the next ones.", _count),
    Setting("KB_INVITATION_DAYS", "14", "Days a trainer's invitation link stays valid unless the trainer chooses otherwise.", _count),
    Setting("KB_SESSION_HOURS", "12", "Hours after which a signed-in session expires.", float),
    Setting("KB_HTTPS", "false", "Set when served over HTTPS (behind a proxy): cookies get the Secure flag and HSTS is sent.", _bool),
    Setting("KB_LOG_LEVEL", "INFO", "Logging level (DEBUG, INFO, WARNING, ERROR)."),
)

SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}


def read_settings(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Resolve every setting from the environment, falling back to its default."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for s in SETTINGS:
        raw = env.get(s.name, s.default) or s.default
        try:
            values[s.name] = s.parse(raw)
        except ValueError as exc:
            # create_app turns this into the command's one-line reason.
            raise RuntimeError(f"{s.name}={raw!r} is not valid ({exc}): {s.help}") from exc
    return values


def ensure_data_dir(path: Path) -> Path:
    """Create the data dir on demand and prove it is writable, or raise with the reason."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise RuntimeError(f"data dir {path} is not writable: {exc.strerror or exc}") from exc
    return path


def load_or_create_secret(data_dir: Path) -> str:
    """Read the secret generated into the data dir, creating it (mode 600) the first time."""
    secret_file = data_dir / "secret_key"
    if secret_file.exists():
        return secret_file.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def settings_table_markdown() -> str:
    """The README's settings table, generated from SETTINGS (a test keeps the README in step)."""
    rows = ["| name | meaning | default |", "|---|---|---|"]
    for s in SETTINGS:
        default = s.default
        if s.name == "KB_CORPUS_DIR":
            default = "`corpus/` of the project"
        elif default == "":
            default = "(see meaning)"
        else:
            default = f"`{default}`"
        rows.append(f"| `{s.name}` | {s.help} | {default} |")
    return "\n".join(rows)
