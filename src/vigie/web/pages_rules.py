"""Rules pages: every configured rule file with its check results (``file:line:col``), and the editor.

The editor posts the text as the analyst types (``static/editor.js``, debounced) to ``/rules/preview``,
which answers with the problems and, once the text checks clean, the backtest of its rules over the
recent archive (``vigie.web.editor.preview``) with the matched spans marked; ``/rules/save`` writes the
text back only when it checks clean. Both are POSTs, so the CSRF guard covers them.

May import: vigie.delivery, vigie.rules, vigie.runtime, vigie.web.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from vigie.delivery.routing import notify_warnings
from vigie.rules import load_rules
from vigie.runtime.backtest_report import Sample
from vigie.web import editor
from vigie.web.app import Web, form_of, web_of
from vigie.web.highlight import mark, texts_of


async def rules(request: Request) -> Response:
    web = web_of(request)
    files = editor.editable_files(web.config)
    loaded = load_rules(list(web.config.rules))
    problems: dict[str, list[str]] = defaultdict(list)
    for err in loaded.errors:
        problems[err.path].append(str(err))
    warnings: dict[str, list[str]] = defaultdict(list)
    for warning in notify_warnings(loaded, web.config):
        warnings[warning.split(":", 1)[0]].append(warning)
    ids: dict[str, list[str]] = defaultdict(list)
    for lr in loaded.rules:
        ids[lr.path].append(lr.id)
    missing = [str(e) for e in loaded.errors if e.path not in files]  # a configured path that does not exist
    return web.page(request, "rules.html", files=list(files), problems=problems, warnings=warnings, ids=ids, missing=missing)


def _name(request: Request, value: str | None) -> str:
    web = web_of(request)
    if not value or editor.lookup(web.config, value) is None:
        raise HTTPException(404, "not one of the configured rule files")
    return value


async def edit(request: Request) -> Response:
    web = web_of(request)
    name = _name(request, request.query_params.get("file"))
    path = editor.lookup(web.config, name)
    assert path is not None
    text = path.read_text(encoding="utf-8")
    view = await run_in_threadpool(_preview_view, web, name, text)
    return web.page(request, "editor.html", name=name, text=text, opened=editor.version(text),
                    saved=request.query_params.get("saved") == "1", **view)


async def preview(request: Request) -> Response:
    web = web_of(request)
    form = await form_of(request)
    name = _name(request, form.get("file"))
    view = await run_in_threadpool(_preview_view, web, name, form.get("text", ""))
    html = web.env.get_template("_preview.html").render(tz=web.config.timezone, **view)
    return HTMLResponse(html, headers={"X-Vigie-Problems": str(len(view["errors"]))})


async def save(request: Request) -> Response:
    web = web_of(request)
    form = await form_of(request)
    name = _name(request, form.get("file"))
    text = form.get("text", "").replace("\r\n", "\n")  # browsers send textarea lines with CRLF
    saved = await run_in_threadpool(editor.save, web.config, name, text, form.get("opened") or None)
    assert saved is not None
    if saved.ok:
        return RedirectResponse(f"/rules/edit?file={quote(name)}&saved=1", status_code=303)
    view = {"errors": list(saved.errors), "report": None, "results": [], "refused": True}
    return web.page(request, "editor.html", http_status=422, name=name, text=text, opened=form.get("opened", ""), saved=False, **view)


def _preview_view(web: Web, name: str, text: str) -> dict[str, Any]:
    """The problems of ``text`` and, when there are none, its backtest with the spans marked."""
    tested, errors = editor.check_text(web.config, name, text.replace("\r\n", "\n"))
    if errors:
        return {"errors": errors, "report": None, "results": []}
    report = editor.preview(web.engine, web.config, name, tested)
    shown = [s for r in report.rules for s in (*r.samples, *r.gained, *r.lost)]
    fields = texts_of(web.engine, [s.article_id for s in shown])
    names = {s.id: s.name or s.id for s in web.config.source_objects()}

    def view(s: Sample) -> dict[str, Any]:
        return {"sample": s, "marked": mark(s.title, fields.get(s.article_id), s.spans), "source": names.get(s.source_id, s.source_id)}

    results = [{"rule": r, "samples": [view(s) for s in r.samples], "gained": [view(s) for s in r.gained],
                "lost": [view(s) for s in r.lost]} for r in report.rules]
    return {"errors": [], "report": report, "results": results}


ROUTES = [Route("/rules", rules, name="rules"), Route("/rules/edit", edit, name="edit"),
          Route("/rules/preview", preview, methods=["POST"]), Route("/rules/save", save, methods=["POST"])]
