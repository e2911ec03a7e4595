"""The data model: organisations, accounts, practices, resources, curricula, reading lists, revisions, learning progress."""
from __future__ import annotations

import re

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    MetaData,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .kinds import EVENT_DETAIL_FIELDS


ROLES = ("admin", "editor", "partner", "trainer", "learner")
STATUSES = ("draft", "submitted", "changes_requested", "published", "rejected")
VISIBILITIES = ("private", "unlisted", "public")
# What became of an attachment's text: waiting, being read, read (ok), nothing readable, refused, or not a document.
TEXT_STATUSES = ("pending", "extracting", "ok", "no_text", "refused", "none")
# The largest row id: ids are INTEGER columns, 32-bit on PostgreSQL.
MAX_ROW_ID = 2**31 - 1


def parse_row_id(value: object) -> int | None:
    """A row id typed into a query string or form, or None when it cannot be one (not ASCII digits, or too
    large for the id columns: either would otherwise fail in int() or in the database driver)."""
    text = str(value if value is not None else "")
    return int(text) if re.fullmatch(r"[0-9]{1,10}", text) and int(text) <= MAX_ROW_ID else None


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


record_themes = Table(
    "record_themes",
    Base.metadata,
    Column("record_id", ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[Optional[str]] = mapped_column(String(60))
    country: Mapped[Optional[str]] = mapped_column(String(2))
    city: Mapped[Optional[str]] = mapped_column(String(120))
    is_partner: Mapped[bool] = mapped_column(Boolean, default=False)
    role: Mapped[Optional[str]] = mapped_column(String(60))
    description: Mapped[Optional[str]] = mapped_column(Text)

    users: Mapped[list["User"]] = relationship(back_populates="organisation")


class Theme(Base):
    __tablename__ = "themes"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.slug


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisations.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    ui_lang: Mapped[Optional[str]] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Bumped on password change so that old reset links and sessions stop working.
    security_stamp: Mapped[int] = mapped_column(Integer, default=0)

    organisation: Mapped[Optional[Organisation]] = relationship(back_populates="users")
    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user", cascade="all, delete-orphan")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(DateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


class CurriculumPath(Base):
    __tablename__ = "curriculum_paths"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    audience: Mapped[str] = mapped_column(String(20))
    titles: Mapped[dict[str, Any]] = mapped_column(default=dict)

    modules: Mapped[list["Module"]] = relationship(
        back_populates="path", order_by="Module.position", cascade="all, delete-orphan"
    )

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles.get("en") or self.slug


class Module(Base):
    __tablename__ = "modules"
    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("curriculum_paths.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    titles: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The self-check: multiple-choice questions (see kb_app/self_checks.py for their shape) and the share of
    # right answers, in percent, that passes it.
    self_check: Mapped[list[Any]] = mapped_column(JSON, default=list)
    pass_mark: Mapped[int] = mapped_column(Integer, default=60)

    path: Mapped[CurriculumPath] = relationship(back_populates="modules")
    resources: Mapped[list["Resource"]] = relationship(
        back_populates="module", order_by="Record.position", foreign_keys="Record.module_id"
    )

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles.get("en") or self.slug


class Record(Base):
    """A catalogue entry: a good practice or a curriculum resource (single-table, `kind` discriminates)."""

    __tablename__ = "records"
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "record"}

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[Optional[str]] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    lang: Mapped[str] = mapped_column(String(2), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    country: Mapped[Optional[str]] = mapped_column(String(2), index=True)
    city: Mapped[Optional[str]] = mapped_column(String(120))
    url: Mapped[Optional[str]] = mapped_column(String(500))
    year: Mapped[Optional[int]] = mapped_column(Integer)
    # SPDX id from licences.LICENCE_IDS; empty: the corpus default (licences.DEFAULT_LICENCE).
    licence: Mapped[Optional[str]] = mapped_column(String(40))
    organisation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisations.id"))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    translation_of_id: Mapped[Optional[int]] = mapped_column(ForeignKey("records.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[Optional[datetime]] = mapped_column(DateTime)

    # The kinds' own fields (kb_app/kinds.py declares which kind has which, and what each means).
    target_group: Mapped[Optional[str]] = mapped_column(Text)
    challenge: Mapped[Optional[str]] = mapped_column(Text)
    method: Mapped[Optional[str]] = mapped_column(Text)
    results: Mapped[Optional[str]] = mapped_column(Text)
    resources_needed: Mapped[Optional[str]] = mapped_column(Text)
    evidence_of_success: Mapped[Optional[str]] = mapped_column(Text)
    transferability: Mapped[Optional[str]] = mapped_column(Text)
    difficulties: Mapped[Optional[str]] = mapped_column(Text)
    start_date: Mapped[Optional[str]] = mapped_column(String(10))
    end_date: Mapped[Optional[str]] = mapped_column(String(10))
    contact: Mapped[Optional[str]] = mapped_column(String(500))

    audience: Mapped[Optional[str]] = mapped_column(String(20))
    competence_area: Mapped[Optional[str]] = mapped_column(String(80))
    level: Mapped[Optional[str]] = mapped_column(String(20))
    duration_minutes: Mapped[Optional[int]] = mapped_column(Integer)
    learning_objectives: Mapped[Optional[str]] = mapped_column(Text)
    format: Mapped[Optional[str]] = mapped_column(String(40))
    module_id: Mapped[Optional[int]] = mapped_column(ForeignKey("modules.id", ondelete="SET NULL"))
    position: Mapped[Optional[int]] = mapped_column(Integer)

    organisation: Mapped[Optional[Organisation]] = relationship()
    created_by: Mapped[Optional[User]] = relationship(foreign_keys=[created_by_id])
    themes: Mapped[list[Theme]] = relationship(secondary=record_themes, order_by=Theme.slug)
    translation_of: Mapped[Optional["Record"]] = relationship(remote_side=[id])
    module: Mapped[Optional[Module]] = relationship(back_populates="resources", foreign_keys=[module_id])
    revisions: Mapped[list["Revision"]] = relationship(
        back_populates="record", order_by="Revision.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="record", cascade="all, delete-orphan")

    @property
    def is_published(self) -> bool:
        return self.status == "published"


    event_details: Mapped[Optional["EventDetails"]] = relationship(
        back_populates="record", cascade="all, delete-orphan", uselist=False, lazy="selectin")

    def _detail(self, name: str) -> Any:
        return getattr(self.event_details, name) if self.event_details is not None else None

    def _set_detail(self, name: str, value: Any) -> None:
        # Only events keep details: another kind's record never grows an empty details row.
        if self.event_details is None:
            if value in (None, "", []):
                return
            self.event_details = EventDetails()
        setattr(self.event_details, name, value)


def _detail_attribute(name: str) -> property:
    return property(lambda self: self._detail(name), lambda self, value: self._set_detail(name, value))


class Practice(Record):
    """A good practice reported by a partner, following the exchange template."""

    __mapper_args__ = {"polymorphic_identity": "practice"}


class Resource(Record):
    """A curriculum resource: a learning unit for operators or migrant entrepreneurs."""

    __mapper_args__ = {"polymorphic_identity": "resource"}


class Event(Record):
    """A conference, training course, exchange meeting or webinar of the network, with its programme."""

    __mapper_args__ = {"polymorphic_identity": "event"}


class EventDetails(Base):
    """The fields only events have (kb_app/kinds.py declares them), one row per event."""

    __tablename__ = "event_details"
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    event_type: Mapped[Optional[str]] = mapped_column(String(30))
    venue: Mapped[Optional[str]] = mapped_column(String(200))
    # Wall-clock times at the venue (YYYY-MM-DDTHH:MM) and its IANA time zone.
    starts_at: Mapped[Optional[str]] = mapped_column(String(16), index=True)
    ends_at: Mapped[Optional[str]] = mapped_column(String(16))
    timezone: Mapped[Optional[str]] = mapped_column(String(64))
    languages: Mapped[Optional[list[str]]] = mapped_column(JSON)
    audiences: Mapped[Optional[list[str]]] = mapped_column(JSON)
    co_organisers: Mapped[Optional[list[str]]] = mapped_column(JSON)
    programme: Mapped[Optional[list[dict[str, Any]]]] = mapped_column(JSON)  # sessions in order
    materials: Mapped[Optional[list[str]]] = mapped_column(JSON)  # external ids of the records presented
    outcomes: Mapped[Optional[str]] = mapped_column(Text)
    registration_url: Mapped[Optional[str]] = mapped_column(String(500))

    record: Mapped[Record] = relationship(back_populates="event_details")


for _name in EVENT_DETAIL_FIELDS:
    setattr(Record, _name, _detail_attribute(_name))


class Revision(Base):
    """One change to a record: who, when, what action, and the record's fields after it."""

    __tablename__ = "revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[Optional[str]] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)

    record: Mapped[Record] = relationship(back_populates="revisions")
    user: Mapped[Optional[User]] = relationship()


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The text read from the file (kb_app.documents): read once, outside the request, and kept, so that a
    # reindex never reads the file again. text_status is one of TEXT_STATUSES; text_problem a refusal code.
    text_status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    text_problem: Mapped[Optional[str]] = mapped_column(String(40))
    text_content: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    text_chars: Mapped[Optional[int]] = mapped_column(Integer)
    lang: Mapped[Optional[str]] = mapped_column(String(2))
    page_count: Mapped[Optional[int]] = mapped_column(Integer)
    text_claimed_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    # The draft was started from this file: its fields are filled in from the text once it is read.
    prefill: Mapped[bool] = mapped_column(Boolean, default=False)

    record: Mapped[Record] = relationship(back_populates="attachments")


class ReadingList(Base):
    __tablename__ = "reading_lists"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[Optional[str]] = mapped_column(String(20))
    notes_lang: Mapped[Optional[str]] = mapped_column(String(2))
    visibility: Mapped[str] = mapped_column(String(20), default="private")
    share_token: Mapped[str] = mapped_column(String(64), unique=True)
    copied_from_id: Mapped[Optional[int]] = mapped_column(ForeignKey("reading_lists.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()
    items: Mapped[list["ReadingListItem"]] = relationship(
        back_populates="reading_list", order_by="ReadingListItem.position", cascade="all, delete-orphan"
    )


class ReadingListItem(Base):
    """An entry of a reading list: a record with the trainer's note, or a section heading."""

    __tablename__ = "reading_list_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("reading_lists.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[Optional[int]] = mapped_column(ForeignKey("records.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    heading: Mapped[Optional[str]] = mapped_column(String(200))

    reading_list: Mapped[ReadingList] = relationship(back_populates="items")
    record: Mapped[Optional[Record]] = relationship()


class IndexChange(Base):
    """Append-only log of records whose index entries must be refreshed; every server replays it."""

    __tablename__ = "index_changes"
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class LoginAttempt(Base):
    """Failed sign-ins, kept briefly to slow down password guessing across workers."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class SavedSearch(Base):
    """A search a signed-in user follows by e-mail: its arguments, how often a digest goes out, and when one last did."""

    __tablename__ = "saved_searches"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the search's query-string arguments
    frequency: Mapped[str] = mapped_column(String(10))  # alerts.FREQUENCIES
    ui_lang: Mapped[str] = mapped_column(String(2), default="en")  # the digest's language
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_sent_at: Mapped[Optional[datetime]] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


class DigestDelivery(Base):
    """A record that went out in a digest of a saved search: never sent to the same subscription twice."""

    __tablename__ = "digest_deliveries"
    saved_search_id: Mapped[int] = mapped_column(ForeignKey("saved_searches.id", ondelete="CASCADE"), primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RecordUsage(Base):
    """How often a record's page was viewed and its files or citations downloaded, per month: counts only."""

    __tablename__ = "record_usage"
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM (UTC)
    views: Mapped[int] = mapped_column(Integer, default=0)
    downloads: Mapped[int] = mapped_column(Integer, default=0)


class SignInSession(Base):
    """One signed-in browser: the session cookie carries its key, and signing out deletes the row."""

    __tablename__ = "sign_in_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the cookie's key, never the key
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()


class Enrolment(Base):
    """A person following a curriculum path; its last activity says where to continue."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "path_id", name="uq_enrolments_user_path"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("curriculum_paths.id", ondelete="CASCADE"))
    enrolled_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_active_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    path: Mapped[CurriculumPath] = relationship()


class ResourceDone(Base):
    """A resource a person has marked as done."""

    __tablename__ = "resources_done"
    __table_args__ = (UniqueConstraint("user_id", "record_id", name="uq_resources_done_user_record"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    done_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SelfCheckAttempt(Base):
    """One go at a module's self-check: the answers given, the score and whether it passed."""

    __tablename__ = "self_check_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    score: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


cohort_members = Table(
    "cohort_members",
    Base.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Cohort(Base):
    """A group of learners following one path with one trainer (e.g. a training course)."""

    __tablename__ = "cohorts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    trainer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("curriculum_paths.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    trainer: Mapped[User] = relationship()
    path: Mapped[CurriculumPath] = relationship()
    organisation: Mapped[Organisation] = relationship()
    members: Mapped[list[User]] = relationship(secondary=cohort_members, order_by=User.name)


class Invitation(Base):
    """A single-use, expiring sign-up link into a cohort (its learners join the cohort's organisation)."""

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the link's token, never the token
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    used_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    cohort: Mapped[Cohort] = relationship()
