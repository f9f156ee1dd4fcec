"""`vigie web`: the analyst's pages (stories, alerts, feeds, rules and the rule editor), server-rendered.

Modules: ``app`` (the application, templates, headers), ``auth`` (the token), ``csrf`` (cross-site
requests), ``pages_*`` (one per area), ``editor`` (check, backtest and save a rule file), ``highlight``
(matched spans in their text). The CLI command is ``vigie.cli.web``.
"""
