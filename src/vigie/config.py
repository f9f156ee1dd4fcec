"""vigie.yaml: one configuration file, validated when it is loaded.

Every path in the file is relative to the file itself. String values may hold
``${NAME}`` references to environment variables (for secrets); a missing
variable is an error naming the key. Target URLs are kept as secrets: only
their unexpanded or masked form (``shown_url``) is ever printed.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, Strict, ValidationError, field_validator, model_validator

from vigie.common.bounds import Backoff, Count, PositiveDuration, Seconds, at_least, duration
from vigie.common.executor import ExecutorConfig
from vigie.common.sharing import SharingConfig
from vigie.common.suggest import did_you_mean, keys_at
from vigie.common.urlsecrets import masked_url
from vigie.common.store_url import check_store_url
from vigie.common.times import format_duration
from vigie.errors import ConfigError, YamlSyntaxError
from vigie.models import Source, SourceKind
from vigie.common.settings_file import load_settings

DEFAULT_CONFIG = "vigie.yaml"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceConfig(_Strict):
    """One source: exactly one of ``url`` (feed URL or feed file) or ``folder`` (article files)."""

    url: str | None = None
    folder: str | None = None
    name: str = ""
    language: str | None = Field(default=None, description="ISO 639-1 hint; the text decides")
    full_text: bool = False
    display_url: str = ""  # the URL as written when it holds ${SECRETS}: the source's id and shown name

    @model_validator(mode="after")
    def _one_location(self) -> "SourceConfig":
        if (self.url is None) == (self.folder is None):
            raise ValueError("give exactly one of 'url' (a feed) or 'folder' (article files)")
        return self


class TargetConfig(_Strict):
    """One notification target: an apprise URL, a name, and the tags it receives."""

    name: str
    url: SecretStr
    display_url: str = ""  # the URL as written, ${SECRETS} unexpanded
    tags: tuple[str, ...] = ()
    format: Literal["auto", "text", "markdown", "html"] = "auto"

    @property
    def shown_url(self) -> str:
        """What may be printed of the URL: ``display_url``, else apprise's masked form (loading apprise's
        plugins takes 0.3 CPU-s: a run with nothing to send never does)."""
        return self.display_url or masked_url(self.url.get_secret_value())


DEFAULT_INTERVAL = timedelta(minutes=15)


def check_timezone(value: str) -> str:
    """``value`` when it is an IANA time zone name; ValueError saying what is expected otherwise."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (expected an IANA name such as Europe/Paris)") from None
    return value


class ScheduleConfig(_Strict):
    interval: PositiveDuration | None = None
    cron: str | None = None
    timezone: str = "UTC"

    _tz = field_validator("timezone")(lambda value: check_timezone(value))

    @model_validator(mode="before")
    @classmethod
    def _one_kind(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if data.get("interval") is not None and data.get("cron") is not None:
                raise ValueError("give 'interval' or 'cron', not both")
            if data.get("interval") is None and data.get("cron") is None:
                # A schedule that names only its time zone still runs every 15 minutes.
                data = {**data, "interval": DEFAULT_INTERVAL}
        return data

    def describe(self) -> str:
        """The schedule as written: ``every 15m`` or ``cron 0 7 * * *``, with its zone."""
        what = f"cron {self.cron}" if self.cron is not None else f"every {format_duration(self.interval or DEFAULT_INTERVAL)}"
        return f"{what} ({self.timezone})"


class FetchConfig(_Strict):
    connect_timeout: Seconds = 10.0
    timeout: Seconds = 30.0  # total, per request
    max_bytes: Annotated[Count, Field(le=1024 ** 3)] = 10 * 1024 * 1024
    max_connections: Annotated[Count, Field(le=1000)] = 20
    max_per_host: Annotated[Count, Field(le=1000)] = 4
    user_agent: str = "vigie/0.1 (media monitoring; +https://example.invalid/vigie)"


class TimeoutsConfig(_Strict):
    """Prefect's timeouts: a hung run or stage fails instead of blocking every later run (one at a time)."""

    run: PositiveDuration = timedelta(minutes=30)  # the whole flow run
    stage: PositiveDuration = timedelta(minutes=15)  # each task (fetch, match, deliver, ...)


class _Backoff(_Strict):
    backoff_base: Backoff
    backoff_max: Backoff

    @model_validator(mode="after")
    def _ordered(self) -> "_Backoff":
        if self.backoff_base > self.backoff_max:
            raise ValueError(f"backoff_base ({self.backoff_base}) must not be more than backoff_max ({self.backoff_max})")
        return self


class HealthConfig(_Backoff):
    failure_threshold: Annotated[Count, Field(le=1000)] = 3  # consecutive failures before the operations target is told
    backoff_base: Backoff = timedelta(minutes=5)
    backoff_max: Backoff = timedelta(hours=6)
    notify: tuple[str, ...] = ("ops",)  # apprise tags of the operations target(s)


class NoveltyConfig(_Strict):
    story_window: PositiveDuration = timedelta(hours=72)
    near_duplicate: Annotated[float, Strict()] = Field(default=0.8, ge=0.0, le=1.0)  # Jaccard estimate


class DeliveryConfig(_Backoff):
    max_attempts: Annotated[Count, Field(le=1000)] = 8
    backoff_base: Backoff = timedelta(minutes=1)
    backoff_max: Backoff = timedelta(hours=2)


class Config(_Strict):
    """The whole of vigie.yaml, with paths made absolute."""

    path: Path = Field(default=Path(DEFAULT_CONFIG), exclude=True)
    data_dir: Path = Path(".vigie")
    store: str | None = None  # SQLAlchemy URL; default: SQLite file in data_dir
    rules: tuple[Path, ...] = (Path("rules"),)
    timezone: str = "UTC"
    sources: tuple[SourceConfig, ...] = ()
    targets: tuple[TargetConfig, ...] = ()
    apprise_config: Path | None = None
    schedule: ScheduleConfig = ScheduleConfig()
    fetch: FetchConfig = FetchConfig()
    health: HealthConfig = HealthConfig()
    novelty: NoveltyConfig = NoveltyConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    timeouts: TimeoutsConfig = TimeoutsConfig()
    executor: ExecutorConfig = ExecutorConfig()  # where parse and normalize run: local, processes
    sharing: SharingConfig = SharingConfig()  # how concurrent runs share the feeds out (vigie.common.sharing)
    retention: Annotated[timedelta, at_least(timedelta(hours=1), "1h")] = timedelta(days=90)
    # Alerts and their deliveries are the record of what was said: kept longer; a pending one always stays.
    alert_retention: Annotated[timedelta, at_least(timedelta(days=1), "1d")] = timedelta(days=365)

    _durations = field_validator("retention", "alert_retention", mode="before")(duration)
    _tz = field_validator("timezone")(lambda value: check_timezone(value))
    _store = field_validator("store")(lambda value: check_store_url(value))

    @property
    def store_url(self) -> str:
        return self.store or f"sqlite:///{self.data_dir / 'vigie.db'}"

    @property
    def alerts_file(self) -> Path:
        """Where the embedded default target (``vigie://``) writes JSON lines."""
        return self.data_dir / "alerts.jsonl"

    def source_objects(self) -> list[Source]:
        """The configured sources as typed ``Source`` objects, in file order."""
        out = []
        for sc in self.sources:
            if sc.folder is not None:
                out.append(Source(id=sc.folder, kind=SourceKind.FOLDER, location=sc.folder, name=sc.name or Path(sc.folder).name,
                                  language=sc.language, full_text=sc.full_text))
            else:
                assert sc.url is not None
                # The id is stored, logged and shown in alerts: never the expanded secret.
                shown = mask_userinfo(sc.display_url or sc.url)
                out.append(Source(id=shown, kind=SourceKind.FEED, location=sc.url, name=sc.name or shown,
                                  language=sc.language, full_text=sc.full_text))
        return out


def _expand_env(value: Any, loc: tuple[str | int, ...], missing: list[tuple[tuple[str | int, ...], str]]) -> Any:
    if isinstance(value, dict):
        # display_url keeps the references unexpanded: it is what gets printed.
        return {k: v if k == "display_url" else _expand_env(v, loc + (k,), missing) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v, loc + (i,), missing) for i, v in enumerate(value)]
    if isinstance(value, str):
        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in os.environ:
                missing.append((loc, m.group(1)))
                return ""
            return os.environ[m.group(1)]
        return _ENV_REF.sub(sub, value)
    return value


def mask_userinfo(url: str) -> str:
    """``url`` with the password of its user-info part masked (``https://user:****@host/...``),
    unless it is written as ``${NAME}`` references: then it is shown as written."""
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://[^/@:\s]*):(?!(?:\$\{[A-Za-z_][A-Za-z0-9_]*\})+@)[^/@\s]*@",
                  r"\1:****@", url)


def _resolve(base: Path, value: str | Path) -> Path:
    p = Path(os.path.expanduser(str(value)))
    return p if p.is_absolute() else (base / p).resolve()


def _is_url(text: str) -> bool:
    return re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text) is not None


def load_config(path: str | Path = DEFAULT_CONFIG) -> Config:
    """Load and validate ``path``; raise one ConfigError naming the file, key and expectation."""
    path = Path(path)
    shown = str(path)
    if not path.is_file():
        raise ConfigError(shown, "no such configuration file (`vigie init` writes a starter one; or pass --config PATH)")
    try:
        doc = load_settings(path)
        raw = doc.plain() if doc.data is not None else {}
    except YamlSyntaxError as exc:
        raise ConfigError(shown, exc.message, line=exc.line) from None
    except OSError as exc:
        raise ConfigError(shown, f"cannot read: {exc.strerror or exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(shown, "expected a mapping of settings at the top level", line=1)

    # A feed URL holding ${SECRETS} (an API key) is known by its written form.
    for src in _items(raw, "sources"):
        if isinstance(src, dict) and isinstance(src.get("url"), str) and "${" in src["url"]:
            src.setdefault("display_url", src["url"])
    # What may be printed of a target URL with ${ENV} references: as written (else
    # TargetConfig.shown_url, apprise's masked form, worked out only when asked for).
    for target in _items(raw, "targets"):
        if isinstance(target, dict) and isinstance(target.get("url"), str) and "${" in target["url"]:
            target.setdefault("display_url", mask_userinfo(target["url"]))
    missing: list[tuple[tuple[str | int, ...], str]] = []
    data = _expand_env(raw, (), missing)
    for loc, name in missing:
        key = ".".join(str(p) for p in loc)
        raise ConfigError(shown, f"environment variable ${{{name}}} is not set", key=key, line=doc.locate(loc)[0])

    base = path.resolve().parent
    if isinstance(data.get("data_dir"), str):
        data["data_dir"] = str(_resolve(base, data["data_dir"]))
    elif "data_dir" not in data:
        data["data_dir"] = str(base / ".vigie")
    if isinstance(data.get("rules"), (str, Path)):
        data["rules"] = [data["rules"]]
    if isinstance(data.get("rules"), list):
        data["rules"] = [str(_resolve(base, r)) if isinstance(r, str) else r for r in data["rules"]]
    else:
        data.setdefault("rules", [str(base / "rules")])
    if isinstance(data.get("apprise_config"), str):
        data["apprise_config"] = str(_resolve(base, data["apprise_config"]))
    for src in _items(data, "sources"):
        if isinstance(src, dict):
            if isinstance(src.get("url"), str) and not _is_url(src["url"]):
                src["url"] = str(_resolve(base, src["url"]))
            if isinstance(src.get("folder"), str):
                src["folder"] = str(_resolve(base, src["folder"]))
    store = data.get("store")
    if isinstance(store, str) and store.startswith("sqlite:///") and not store.startswith("sqlite:////"):
        rel = store[len("sqlite:///"):]
        if rel and rel != ":memory:":
            data["store"] = f"sqlite:///{_resolve(base, rel)}"

    try:
        config = Config(path=path.resolve(), **data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        key = ".".join(str(p) for p in loc) or "(top level)"
        msg = _ERROR_TEXT.get(err["type"], err["msg"]).removeprefix("Value error, ")
        msg += did_you_mean(str(loc[-1]), keys_at(Config, loc[:-1])) if err["type"] == "extra_forbidden" and loc else ""
        line = doc.locate(loc)[0] if loc else None
        raise ConfigError(shown, msg, key=key, line=line) from None
    if config.apprise_config is not None:
        extra = targets_from_apprise_config(config.apprise_config, shown, doc.locate(("apprise_config",))[0])
        config = config.model_copy(update={"targets": config.targets + extra})
    names = [t.name for t in config.targets]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(shown, f"target names must be unique; repeated: {', '.join(dupes)}", key="targets",
                          line=doc.locate(("targets",))[0])
    return config


# pydantic's wording where it does not say what to write instead.
_ERROR_TEXT = {"extra_forbidden": "unknown key", "path_type": "Input should be a path (text)",
               "tuple_type": "Input should be a list"}


def _items(data: dict[str, Any], key: str) -> list[Any]:
    """The list under ``key`` (empty when it is something else: the model then reports its type)."""
    value = data.get(key)
    return value if isinstance(value, list) else []


def targets_from_apprise_config(path: Path, shown: str, line: int) -> tuple[TargetConfig, ...]:
    """The targets of an apprise configuration file (YAML or text), named ``<file stem>-<n>``.

    Their URLs stay secret: ``display_url`` is apprise's own privacy rendering.
    """
    import apprise

    if not path.is_file():
        raise ConfigError(shown, f"no such apprise configuration file: {path}", key="apprise_config", line=line)
    ac = apprise.AppriseConfig()
    ac.add(str(path))
    servers = ac.servers()
    if not servers:
        raise ConfigError(shown, f"{path}: no notification URL could be read from it (see apprise's configuration format)",
                          key="apprise_config", line=line)
    return tuple(
        TargetConfig(name=f"{path.stem}-{i}", url=SecretStr(server.url()), display_url=server.url(privacy=True),
                     tags=tuple(sorted(str(tag) for tag in server.tags)))
        for i, server in enumerate(servers, 1)
    )
