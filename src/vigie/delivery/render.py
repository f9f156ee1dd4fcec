"""Render alerts into messages, per channel, with Jinja2 templates the user can override.

Channels and their formats::

    email     HTML (apprise adds the plain-text alternative part)   alert.html.j2 / digest.html.j2
    slack     Slack mrkdwn                                           alert.slack.j2 / digest.slack.j2
    markdown  Markdown (Discord, Telegram, Matrix ...)               alert.md.j2 / digest.md.j2
    text      plain text (console, SMS-like targets, format: text)   alert.txt.j2 / digest.txt.j2

A ``templates`` folder in the data dir, then one beside the config file, take
precedence over the packaged templates, file by file.

Everything an alert carries comes from a feed and is untrusted. Escaping is not left
to template authors: every ``{{ value }}`` is first made inert (``vigie.delivery.inert``:
no bidirectional overrides, defused ``@here``-style mentions and ``javascript:`` schemes,
and ``<!channel>``-style sequences broken where ``<`` is shown as is), then goes through
the channel's escaper (HTML autoescape; Slack's ``&``/``<``/``>`` entities; Markdown's
punctuation), and only the helpers of this module (``link``, ``hl``) emit markup, built
from escaped parts. A message longer than the target
allows is re-rendered with shorter extracts and fewer digest items before, as a
last resort, being cut at a line boundary -- never in the middle of markup.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal, Sequence

from markupsafe import Markup, escape

from vigie.delivery.payload import new_segments
from vigie.common.text import clip
from vigie.common.times import local_time
from vigie.delivery.inert import md_escape, neutral_text, safe_url, slack_escape, strip_bidi
from vigie.models import Alert

if TYPE_CHECKING:  # Jinja2 is imported with the first template: a run with nothing to send never loads it
    from jinja2 import Environment

Channel = Literal["email", "slack", "markdown", "text"]
_EXT = {"email": "html", "slack": "slack", "markdown": "md", "text": "txt"}
_FORMAT = {"email": "html", "slack": "markdown", "markdown": "markdown", "text": "text"}
KIND_LABEL = {
    "new_story": "New story",
    "development": "Development",
    "escalation": "Story growing fast",
    "each": "Match",
    "digest": "Digest",
    "feed_health": "Feed health",
}


@dataclass(frozen=True)
class Limits:
    """How long a title and a body may be on one target (characters)."""

    title: int = 250
    body: int = 32768


# Slack: a Block Kit header holds 150 characters of plain text, a section 3000.
SLACK_LIMITS = Limits(title=150, body=3000)


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    body_format: str  # "html" | "markdown" | "text" (apprise NotifyFormat values)


# --- escapers (every one starts from vigie.delivery.inert) ----------------------------


def _one_line(value: Any) -> str:
    return " ".join(str(value).split())


def _finalizer(channel: Channel) -> Callable[[Any], Any] | None:
    def wrap(fn: Callable[[Any], str]) -> Callable[[Any], Any]:
        def finalize(value: Any) -> Any:
            if value is None:
                return ""
            if isinstance(value, Markup):
                return value
            return Markup(fn(value))

        return finalize

    if channel == "slack":
        return wrap(slack_escape)
    if channel == "markdown":
        return wrap(md_escape)
    if channel == "text":
        return wrap(neutral_text)

    def html_finalize(value: Any) -> Any:
        # A plain str is then escaped by Jinja's autoescape; Markup comes from this module's helpers.
        # neutral_text, not neutral: apprise turns "&lt;" back into "<" in the plain-text part.
        return "" if value is None else value if isinstance(value, Markup) else neutral_text(value)

    return html_finalize


def _helpers(channel: Channel) -> dict[str, Callable[..., Any]]:
    """``link(url, text)`` and ``hl(segments)`` for one channel, returning safe markup."""
    esc: Callable[[Any], str] = {
        "email": lambda v: str(escape(neutral_text(v))),
        "slack": slack_escape,
        "markdown": md_escape,
        "text": neutral_text,
    }[channel]

    def link(url: Any, text: Any = None) -> Markup:
        target = safe_url(url)
        label = _one_line(text if text else (url or ""))
        if target is None:
            return Markup(esc(label))
        if channel == "email":
            return Markup(f'<a href="{escape(target)}">{esc(label)}</a>')
        if channel == "slack":
            return Markup(f"<{target.replace('|', '%7C').replace('>', '%3E')}|{slack_escape(label)}>")
        if channel == "markdown":
            return Markup(f"[{md_escape(label)}]({target.replace('(', '%28').replace(')', '%29')})")
        return Markup(f"{esc(label)} <{target}>" if text else target)

    def hl(segments: Sequence[Sequence[Any]]) -> Markup:
        out = []
        for seg in segments or ():
            text, hit = re.sub(r"\s+", " ", str(seg[0])), bool(seg[1])
            part = esc(text)
            if hit:
                part = {"email": f"<mark><b>{part}</b></mark>", "slack": f"*{part}*", "markdown": f"**{part}**", "text": f"[{part}]"}[channel]
            out.append(part)
        return Markup("".join(out))

    return {"link": link, "hl": hl}


# --- environment -----------------------------------------------------------------


def template_dirs(data_dir: Path | None = None, config_path: Path | None = None) -> list[Path]:
    """User template folders, most important first (only those that exist)."""
    dirs = []
    if data_dir is not None:
        dirs.append(Path(data_dir) / "templates")
    if config_path is not None:
        dirs.append(Path(config_path).resolve().parent / "templates")
    return [d for d in dirs if d.is_dir()]


def environment(channel: Channel, user_dirs: Sequence[Path] = ()) -> Environment:
    """The Jinja2 environment of a channel (cached: templates compile once per process;
    Jinja's own auto_reload still picks up an edited user template)."""
    return _environment(channel, tuple(Path(d) for d in user_dirs))


@functools.lru_cache(maxsize=32)
def _environment(channel: Channel, user_dirs: tuple[Path, ...]) -> Environment:
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

    loaders: list[Any] = [FileSystemLoader([str(d) for d in user_dirs])] if user_dirs else []
    loaders.append(PackageLoader("vigie.delivery", "templates"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=channel == "email",
        finalize=_finalizer(channel),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.globals.update(_helpers(channel))
    env.filters["oneline"] = _one_line
    env.globals["kind_label"] = lambda k: KIND_LABEL.get(str(k), str(k))
    return env


# --- rendering -------------------------------------------------------------------


def _item(alert: Alert, tz: str, extract: int, snippets: int) -> dict[str, Any]:
    """What the templates see of one alert (user templates rely on these names)."""
    p = alert.payload
    text = p.extract
    if len(text) > extract:
        cut = text.rfind(" ", 0, extract)
        text = (text[: cut if cut > extract // 2 else extract]).rstrip() + "…" if extract > 0 else ""
    # The headline is shown anyway: a title snippet only when the text has none.
    snips = [x for x in p.snippets if x.field != "title"] or list(p.snippets)
    if any(x.field == "summary" and not x.cut_before for x in snips[:snippets]):
        text = ""  # the snippet already shows the lede, highlighted
    return {
        "id": alert.id,
        "kind": alert.kind,
        "rule_id": alert.rule_id,
        "rule_name": ", ".join(p.rules) if p.rules else (p.rule_name or alert.rule_id),
        "severity": p.severity,
        "headline": _one_line(p.headline or alert.title),
        "url": p.url,
        "source": p.source,
        "sources": list(p.sources),
        "when": local_time(p.published or alert.created_at, tz),
        "extract": text,
        "terms": list(p.terms),
        "snippets": [x.to_json() for x in snips[:snippets]],
        "new_terms": list(p.new.terms),
        "new_names": list(p.new.names),
        "new_facts": list(p.new.facts),
        "new_events": list(p.new.events),
        "new_sentence": list(new_segments(p.new)),
        "story_id": p.story_id or alert.story_id,
        "story_title": _one_line(p.story_title),
        "story_articles": p.story_articles or 1,
        "story_sources": p.story_sources or 1,
        "message": p.message or "",
        "state": p.state or "",
    }


def _groups(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Digest items grouped by rule, then by story, in first-seen order."""
    rules: dict[str, dict[str, Any]] = {}
    for it in items:
        rule = rules.setdefault(it["rule_id"], {"rule_id": it["rule_id"], "rule_name": it["rule_name"], "stories": {}})
        key = it["story_id"] if it["story_id"] is not None else f"a{it['id']}"
        story = rule["stories"].setdefault(key, {"story_id": it["story_id"], "title": it["story_title"] or it["headline"], "alerts": []})
        story["alerts"].append(it)
    return [{**r, "stories": list(r["stories"].values())} for r in rules.values()]


def title_for(alerts: Sequence[Alert]) -> str:
    if len(alerts) == 1:
        a = alerts[0]
        if a.kind == "feed_health":
            return _one_line(a.title)
        named = ", ".join(a.payload.rules) or a.payload.rule_name or a.rule_id
        return _one_line(f"[{named}] {KIND_LABEL.get(a.kind, a.kind)}: {a.payload.headline or a.title}")
    rules = sorted({a.payload.rule_name or a.rule_id for a in alerts})
    stories = {a.story_id for a in alerts}
    return _one_line(f"[{', '.join(rules)}] Digest: {len(alerts)} alerts, {len(stories)} stories")


def _cut_title(title: str, limit: int) -> str:
    return clip(title, limit)


def _cut_lines(body: str, limit: int) -> str:
    """Cut at the last whole line that fits: markup in this module never spans lines."""
    marker = "\n…"
    if len(body) <= limit:
        return body
    cut = body.rfind("\n", 0, max(0, limit - len(marker)))
    if cut <= 0:
        return body[: max(0, limit - 1)] + "…"
    return body[:cut] + marker


def render(
    alerts: Sequence[Alert],
    channel: Channel,
    *,
    limits: Limits = Limits(),
    tz: str = "UTC",
    user_dirs: Sequence[Path] = (),
) -> Rendered:
    """One message for one alert, or a digest of several (grouped by rule and story)."""
    if not alerts:
        raise ValueError("render: no alerts")
    env = environment(channel, user_dirs)
    ext = _EXT[channel]
    digest = len(alerts) > 1
    template = env.get_template(f"{'digest' if digest else 'alert'}.{ext}.j2")
    body = ""
    # Shorter and shorter versions until the body fits the channel.
    for extract, snippets in ((500, 3), (240, 2), (120, 1), (0, 0)):
        items = [_item(a, tz, extract, snippets) for a in alerts]
        shown = len(items)
        while True:
            ctx = {"item": items[0], "items": items[:shown], "groups": _groups(items[:shown]), "more": len(items) - shown, "count": len(items)}
            body = template.render(**ctx).strip() + "\n"
            if len(body) <= limits.body or shown <= 1 or extract > 0:
                break
            shown = max(1, shown * 3 // 4)
        if len(body) <= limits.body:
            break
    if len(body) > limits.body:
        body = _cut_lines(body, limits.body)
    title = title_for(alerts)
    title = neutral_text(title)  # a subject or a header is plain text on every channel, e-mail too
    # Bidirectional overrides go from the whole message too: a user template's own text, or a value it
    # marked safe, cannot bring one back.
    return Rendered(title=_cut_title(strip_bidi(title), limits.title), body=strip_bidi(body), body_format=_FORMAT[channel])
