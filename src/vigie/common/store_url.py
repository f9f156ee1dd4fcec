"""The ``store`` URL of vigie.yaml, checked when the configuration is loaded, not at first use.

A URL SQLAlchemy cannot parse, a database kind it does not know (``postgres://``: its name is
``postgresql``), a driver that is not installed (plain ``postgresql://`` means psycopg2; vigie
ships psycopg 3: ``postgresql+psycopg://``) or an SQLite URL with a host (two slashes) is one
error naming the ``store`` key and saying what to write instead.
"""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

EXAMPLES = "sqlite:///path/to/vigie.db or postgresql+psycopg://user@host/dbname"


def check_store_url(value: str | None) -> str | None:
    """``value`` when it is a store URL vigie can open; else ValueError saying what to write."""
    if value is None:
        return None
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(f"{_shown(value)!r} is not a database URL; write {EXAMPLES}") from None
    try:
        dialect = url.get_dialect()
    except NoSuchModuleError:
        hint = ("PostgreSQL is written postgresql+psycopg://user@host/dbname" if url.drivername.startswith("postgres")
                else f"write {EXAMPLES}")
        raise ValueError(f"{url.drivername}:// is not a database SQLAlchemy knows; {hint}") from None
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        hint = "; write postgresql+psycopg:// (psycopg 3 comes with vigie)" if url.get_backend_name() == "postgresql" else ""
        raise ValueError(f"{url.drivername}:// needs the Python driver {exc.name or 'of that database'}, "
                         f"which is not installed{hint}") from None
    if url.get_backend_name() == "sqlite" and url.host:
        raise ValueError(f"{_shown(url)!r}: an SQLite URL has three slashes before a path (sqlite:///data/vigie.db), "
                         "four before an absolute one")
    return value


def _shown(value: str | URL) -> str:
    """The URL without its password."""
    try:
        return make_url(value).render_as_string(hide_password=True)
    except ArgumentError:
        return str(value).split("@")[-1] if "@" in str(value) else str(value)
