"""The typed objects that travel between stages.

sources -> fetch -> parse -> normalize -> match -> novelty -> outbox -> deliver

    Source      what to read (a feed URL or file, a folder of article files)
    Fetched     the bytes of one source, or "not modified", or the error
    Entry       one raw item as the feed (or article file) gave it
    Article     one clean article: text, language, UTC dates, canonical URL, identity
    Match       one rule that fired on one article, with the spans that made it fire
    Alert       one thing to tell people, recorded before it is sent
    AlertPayload  what an alert shows, stored with it as JSON so it outlives the article
    Delivery    one alert to one target, marked sent only from that target's result

All are frozen: a stage returns new objects, it never edits the ones it got.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Literal, Mapping, get_args

from vigie.common.lenient import iso_time, maybe_text, number, text, texts


class SourceKind(str, Enum):
    FEED = "feed"  # RSS/Atom/RDF/JSON Feed, over http(s) or from a local file
    FOLDER = "folder"  # a folder of plain article files (.txt, .md, .html)


@dataclass(frozen=True)
class Source:
    """One place vigie reads from, as configured."""

    id: str  # stable identity: the configured URL or the absolute path
    kind: SourceKind
    location: str = field(repr=False)  # URL (http, https, file) or path; may hold expanded secrets: never shown
    name: str = ""
    language: str | None = None  # a hint; the text decides
    full_text: bool = False  # fetch each article page and extract its main text


@dataclass(frozen=True)
class Document:
    """Bytes read from one location, with what the transport said about them."""

    location: str  # final URL after redirects, or file path
    body: bytes
    content_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    modified: datetime | None = None  # file mtime or Last-Modified, UTC


FetchStatus = Literal["ok", "not_modified", "error"]


@dataclass(frozen=True)
class Fetched:
    """The outcome of fetching one source. "not_modified" is a normal result."""

    source: Source
    status: FetchStatus
    documents: tuple[Document, ...] = ()
    etag: str | None = None
    last_modified: str | None = None
    new_location: str | None = None  # set after a permanent redirect
    http_status: int | None = None
    elapsed: float = 0.0
    error: str | None = None  # one line, names the source
    retry_after: float | None = None  # seconds, from a 429/503 Retry-After


@dataclass(frozen=True)
class Entry:
    """One item as the source gave it, before cleaning."""

    source_id: str
    guid: str | None
    link: str | None
    title: str  # may still hold HTML and entities
    summary: str  # may still hold HTML
    content: str  # full content when the feed has it, else ""
    published: datetime | None  # UTC when known
    updated: datetime | None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    language: str | None = None  # declared by the feed or the source config
    base_url: str | None = None  # to resolve relative links
    content_type: str = "text/html"  # of summary/content: text/html or text/plain


@dataclass(frozen=True)
class Parsed:
    """Entries of one source, with the parser's warnings (bozo) or the error."""

    source: Source
    entries: tuple[Entry, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None
    feed_title: str | None = None


@dataclass(frozen=True)
class Article:
    """One clean article. ``id`` is decided once, at normalize time."""

    id: str  # "guid:...", "url:...", or "sha:..." (hash of title and text)
    source_id: str
    url: str | None
    title: str
    summary: str  # plain text
    body: str  # plain text of the full content ("" when the feed has only a summary)
    language: str  # ISO 639-1, "und" when unknown
    published: datetime  # UTC; the first-seen time when the feed gives none
    updated: datetime | None = None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    guid: str | None = None

    def field_text(self, name: str) -> str:
        """The text of a matchable field: ``title``, ``summary`` or ``body``."""
        return {"title": self.title, "summary": self.summary, "body": self.body}[name]


MatchField = Literal["title", "summary", "body"]


@dataclass(frozen=True)
class Span:
    """One stretch of an article's text that made a rule fire."""

    field: MatchField
    start: int  # character offsets into Article.field_text(field)
    end: int
    text: str
    term: str  # the entity or term of the rule that matched here


@dataclass(frozen=True)
class Match:
    """One rule that fired on one article."""

    rule_id: str
    article_id: str
    score: float
    spans: tuple[Span, ...]
    severity: str = "info"
    notify: tuple[str, ...] = ()  # apprise tags to route to; () means every target
    terms: tuple[str, ...] = ()  # the distinct entities/terms that matched, canonical names

    @property
    def entities(self) -> tuple[str, ...]:
        return self.terms


AlertKind = Literal["each", "new_story", "development", "escalation", "digest", "feed_health"]


@dataclass(frozen=True)
class WhatIsNew:
    """What an article brought to its story: entities of the rule, names, figures, events (folded),
    and the sentence of the article that carries them."""

    terms: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    events: tuple[str, ...] = ()  # event classes: "killed", "met", "signed" ...
    sentence: str = ""  # the headline or lede sentence that says what is new

    def to_json(self) -> dict[str, object]:
        """Only the kinds that have something: ``{"facts": ["30"], "sentence": "..."}``."""
        pairs = (("terms", self.terms), ("names", self.names), ("facts", self.facts), ("events", self.events))
        out: dict[str, object] = {key: list(values) for key, values in pairs if values}
        if self.sentence:
            out["sentence"] = self.sentence
        return out

    @classmethod
    def from_json(cls, data: object) -> WhatIsNew:
        got = data if isinstance(data, Mapping) else {}
        return cls(texts(got.get("terms")), texts(got.get("names")), texts(got.get("facts")), texts(got.get("events")),
                   text(got.get("sentence")))

    def words(self) -> tuple[str, ...]:
        """Everything new, as words to show or highlight."""
        return (*self.terms, *self.names, *self.facts, *self.events)


@dataclass(frozen=True)
class Snippet:
    """An extract of an article around matched words, as segments (text, is_match)."""

    field: str  # the article field it comes from: title, summary or body
    segments: tuple[tuple[str, bool], ...]
    cut_before: bool = False  # the field's text goes on before the extract
    cut_after: bool = False

    def to_json(self) -> dict[str, object]:
        return {"field": self.field, "segments": [[text, hit] for text, hit in self.segments],
                "cut_before": self.cut_before, "cut_after": self.cut_after}

    @classmethod
    def from_json(cls, data: object) -> Snippet:
        got = data if isinstance(data, Mapping) else {}
        raw = got.get("segments")
        pairs = raw if isinstance(raw, (list, tuple)) else ()
        segments = tuple((str(p[0]), bool(p[1])) for p in pairs if isinstance(p, (list, tuple)) and len(p) == 2)
        return cls(str(got.get("field") or ""), segments, bool(got.get("cut_before")), bool(got.get("cut_after")))


# The keys stored in alerts.payload, in their order, by kind of alert.
_STORY_KEYS = ("rule_id", "rule_name", "severity", "kind", "headline", "url", "source", "sources", "published", "language",
               "extract", "terms", "snippets", "new", "story_id", "story_title", "story_articles", "story_sources", "score")
_HEALTH_KEYS = ("kind", "rule_id", "rule_name", "headline", "source", "source_id", "state", "message", "consecutive_failures",
                "last_error", "severity", "published", "url")


@dataclass(frozen=True)
class AlertPayload:
    """What an alert shows, copied into it when recorded so it stays readable after retention.

    Stored as JSON (``alerts.payload``): ``to_json`` writes the keys of its kind of
    alert, ``from_json`` reads what any version wrote (a missing key takes its default).
    """

    rule_id: str = ""
    rule_name: str = ""
    severity: str = "info"
    kind: AlertKind | None = None
    headline: str = ""
    url: str | None = None
    source: str = ""  # the name of the source the alert's article came from
    sources: tuple[str, ...] = ()  # every source of the article, copies included
    published: datetime | None = None
    # a story alert's
    language: str | None = None
    extract: str = ""  # the lede
    terms: tuple[str, ...] = ()  # the rule's entities found
    snippets: tuple[Snippet, ...] = ()
    new: WhatIsNew = field(default_factory=WhatIsNew)  # what a development brought
    story_id: int | None = None
    story_title: str = ""
    story_articles: int | None = None
    story_sources: int | None = None
    score: float | None = None
    rules: tuple[str, ...] = ()  # every rule this one message is for (their names), when several fired
    # a feed-health alert's
    source_id: str | None = None
    state: str | None = None  # "down" | "recovered"
    message: str | None = None
    consecutive_failures: int | None = None
    last_error: str | None = None

    def to_json(self) -> dict[str, object]:
        """The JSON object stored in ``alerts.payload`` and shown by ``vigie alerts show --json``."""
        values: dict[str, object] = {
            "rule_id": self.rule_id, "rule_name": self.rule_name, "severity": self.severity, "kind": self.kind,
            "headline": self.headline, "url": self.url, "source": self.source, "sources": list(self.sources),
            "published": self.published.isoformat() if self.published is not None else None,
            "language": self.language, "extract": self.extract, "terms": list(self.terms),
            "snippets": [s.to_json() for s in self.snippets], "new": self.new.to_json(), "story_id": self.story_id,
            "story_title": self.story_title, "story_articles": self.story_articles, "story_sources": self.story_sources,
            "score": self.score, "source_id": self.source_id, "state": self.state, "message": self.message,
            "consecutive_failures": self.consecutive_failures, "last_error": self.last_error, "rules": list(self.rules),
        }
        keys = _HEALTH_KEYS if self.kind == "feed_health" else (*_STORY_KEYS, *(("rules",) if self.rules else ()))
        return {key: values[key] for key in keys}

    @classmethod
    def from_json(cls, data: Mapping[str, object] | None) -> AlertPayload:
        """The payload stored by this or an older version; keys it does not have take their defaults."""
        got: Mapping[str, object] = data or {}
        snippets = got.get("snippets")
        return cls(
            rule_id=text(got.get("rule_id")), rule_name=text(got.get("rule_name")),
            severity=text(got.get("severity"), "info"), kind=_kind(got.get("kind")),
            headline=text(got.get("headline")), url=maybe_text(got.get("url")), source=text(got.get("source")),
            sources=texts(got.get("sources")), published=iso_time(got.get("published")),
            language=maybe_text(got.get("language")), extract=text(got.get("extract")), terms=texts(got.get("terms")),
            snippets=tuple(Snippet.from_json(x) for x in snippets) if isinstance(snippets, (list, tuple)) else (),
            new=WhatIsNew.from_json(got.get("new")), story_id=number(got.get("story_id"), int),
            story_title=text(got.get("story_title")), story_articles=number(got.get("story_articles"), int),
            story_sources=number(got.get("story_sources"), int), score=number(got.get("score"), float),
            source_id=maybe_text(got.get("source_id")), state=maybe_text(got.get("state")),
            message=maybe_text(got.get("message")), consecutive_failures=number(got.get("consecutive_failures"), int),
            last_error=maybe_text(got.get("last_error")), rules=texts(got.get("rules")),
        )


def _kind(value: object) -> AlertKind | None:
    for kind in get_args(AlertKind):
        if value == kind:
            return kind
    return None


@dataclass(frozen=True)
class Alert:
    """One thing to tell people. Recorded in the outbox before any delivery."""

    id: int
    rule_id: str
    kind: AlertKind
    title: str
    created_at: datetime
    article_id: str | None = None
    story_id: int | None = None
    payload: AlertPayload = field(default_factory=AlertPayload)  # what the templates render


DeliveryStatus = Literal["pending", "sent", "failed"]


@dataclass(frozen=True)
class Delivery:
    """One alert for one target; sent only when that target's result says so."""

    id: int
    alert_id: int
    target: str  # the target's configured name, never its URL (it may hold secrets)
    status: DeliveryStatus
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None


AlertPolicy = Literal["each", "new_story", "developments"]


@dataclass(frozen=True)
class Escalation:
    """A rule's ask to be told once when a story reaches ``sources`` independent sources within ``within``."""
    sources: int
    within: timedelta


@dataclass(frozen=True)
class RulePolicy:
    """What a rule asks of novelty and delivery (read from the rule file)."""

    rule_id: str
    name: str = ""
    alert: AlertPolicy = "developments"  # each matching article | first article of a story | story + its developments
    digest: str = "immediate"  # "immediate" | "hourly" | "daily at HH:MM" (config timezone)
    severity: str = "info"
    notify: tuple[str, ...] = ()  # apprise tags; () = every target
    escalate: Escalation | None = None  # tell once when a story's independent sources grow fast
