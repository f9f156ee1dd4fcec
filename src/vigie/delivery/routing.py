"""Routing: which configured targets an alert goes to.

Routing uses apprise-style tags: an alert with notify tags goes to the targets
carrying one of them; an alert without goes to every target except those tagged
only for operations (``config.health.notify``). With no target configured, the
embedded console target (``vigie://``) receives everything, so nothing is lost.
"""

from __future__ import annotations

import logging
from typing import Iterable

from pydantic import SecretStr

from vigie.common.suggest import did_you_mean
from vigie.config import Config, TargetConfig
from vigie.rules.ruleset import RuleSet

CONSOLE_TARGET = "console"

log = logging.getLogger(__name__)


def effective_targets(config: Config) -> tuple[TargetConfig, ...]:
    """The configured targets; with none, the embedded console target (``vigie://``) so nothing is lost."""
    if config.targets:
        return config.targets
    return (TargetConfig(name=CONSOLE_TARGET, url=SecretStr("vigie://"), display_url="vigie://"),)


def route(config: Config, notify: Iterable[str] = (), *, operations: bool = False) -> list[str]:
    """Names of the targets an alert goes to.

    A target without tags receives every rule's alerts: it is the catch-all (the demo's
    console, an archive). A tagged target receives the alerts of rules that name one of
    its tags, and of rules that name none. Tags that no target has reach every target.
    ``operations`` alerts (feed health) go to targets tagged with ``config.health.notify``;
    when no target has such a tag they go to every target, so a dead feed is still heard of.
    """
    targets = effective_targets(config)
    ops = set(config.health.notify)
    if operations:
        chosen = [tc.name for tc in targets if ops & set(tc.tags)]
        return chosen or [tc.name for tc in targets]
    everyone = [tc.name for tc in targets if not (tc.tags and set(tc.tags) <= ops)]
    wanted = set(notify)
    if wanted:
        chosen = [tc.name for tc in targets if not tc.tags or wanted & set(tc.tags)]
        if chosen:
            return chosen
        # No target carries these tags (a typo, a target removed): an alert nobody gets is
        # a lost alert, so it goes to everyone, with a warning naming the tags.
        log.warning("no target has the tags %s; the alert goes to every target", sorted(wanted))
    return everyone


def unrouted_tags(config: Config, notify: Iterable[str]) -> list[str]:
    """The tags of ``notify`` that no configured target carries (their alerts go to every target:
    a typo or a removed target, for ``vigie rules check`` to warn of); none without configured targets."""
    carried = {tag for tc in config.targets for tag in tc.tags}
    return [tag for tag in notify if tag not in carried] if config.targets else []


def notify_warnings(rule_set: RuleSet, cfg: Config) -> list[str]:
    """One ``file:line:col: warning`` per rule whose notify tags are on no configured target."""
    carried = {tag for tc in cfg.targets for tag in tc.tags}
    out = []
    for lr in rule_set.rules:
        lost = unrouted_tags(cfg, lr.rule.notify)
        if lost:
            named = ", ".join(f"{tag!r}{did_you_mean(tag, carried)}" for tag in lost)
            where = ("" if len(lost) < len(lr.rule.notify) else "; only targets without tags get its alerts"
                     if any(not tc.tags for tc in cfg.targets) else "; its alerts go to every target")
            out.append(f"{lr.path}:{lr.line}:{lr.col}: warning: rule {lr.id!r}: no target has the notify "
                       f"tag{'s' if len(lost) > 1 else ''} {named}{where}")
    return out


__all__ = ["CONSOLE_TARGET", "effective_targets", "notify_warnings", "route", "unrouted_tags"]
