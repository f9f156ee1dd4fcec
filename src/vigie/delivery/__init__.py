"""Delivery: the alert outbox and everything after it.

    record          a batch's story changes (``vigie.stories``) and their alerts, in one transaction
    routing         which targets an alert goes to (apprise tags; the console when none is configured)
    payload         what a story alert shows, copied into it (snippets with the matched words)
    digest          when a digest window closes (the grammar is ``vigie.rules.digest``)
    health_alerts   a feed that went down or came back, told once
    outbox          alert and delivery rows: record, claim with a lease, mark sent or failed, list
    send            the deliver stage: each due message through apprise, one target at a time
    backlog         what is still pending after a pass, and what it waits for (digest, retry)
    inert           untrusted text made inert for every channel: bidi overrides, mentions, script links
    render          messages per channel from Jinja2 templates (``templates/``), escaped and cut to fit
    console_target  the ``vigie://`` target: the console and ``alerts.jsonl``

May import every stage before it (``vigie.stories``, ``vigie.rules``, ``vigie.ingest``),
``vigie.store``, ``vigie.config``, ``vigie.models``, ``vigie.common``; never ``runtime`` or ``cli``.
"""
