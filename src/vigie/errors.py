"""The one exception tree of vigie.

Every fault that vigie raises on purpose is a ``VigieError``. Stages catch them at
their boundary, attach them to the source, article or alert they belong to, and
carry on with the others. "Not modified", "no new entries" and "no match" are
normal results, never exceptions.

::

    VigieError
    ├── ConfigError            vigie.yaml: unknown key, wrong value, missing ${ENV}
    ├── RuleError              a rule file: file:line:col: message
    ├── YamlSyntaxError        a YAML file does not parse: file:line:col (the loaders
    │                          report it as a ConfigError or a RuleError)
    ├── QuerySyntaxError       a rule's query string is wrong at a character offset
    │                          (the rule loader reports it as a RuleError)
    ├── InputError             one INPUT of ``vigie rules test`` cannot be read
    │                          (yielded in place of its articles, not raised)
    ├── SourceError            one source (feed, file, folder) failed
    │   ├── FetchError         transport: DNS, connect, timeout, HTTP status, size cap
    │   └── ParseError         the bytes yield no entries
    ├── StoreError             the database refused or is unreachable
    ├── LocalServerError       the local Prefect server of ``vigie serve`` did not start
    └── ExecutorUnavailable    no Dask worker of ``executor:`` can be reached (the stage
                               then runs in the run's own process, with a warning)

Every class of the tree is defined here; the modules that raise them import them
from here.

Validators of the YAML models (vigie.yaml, rule files) raise ``ValueError``, as
pydantic expects of them; the loaders turn what pydantic collects into one
``ConfigError`` or into ``RuleError`` values.

A notification target that fails is not an exception: delivery returns it as a
value (``DeliveryReport``), with apprise's reason, and the alert stays pending.

Each error renders as one line that names where it happened (a file and line,
a feed URL, an alert and target), so it can be logged and shown as is.
"""

from __future__ import annotations


class VigieError(Exception):
    """Base of every error vigie raises on purpose."""


class ConfigError(VigieError):
    """The configuration file is wrong: names the file, the key and what was expected."""

    def __init__(self, path: str, message: str, *, key: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.key = key
        self.line = line
        self.message = message
        where = path if line is None else f"{path}:{line}"
        what = f"{key}: {message}" if key else message
        super().__init__(f"{where}: {what}")


class RuleError(VigieError):
    """One problem in a rule file, reported as ``file:line:col: message``."""

    def __init__(self, path: str, line: int, col: int, message: str) -> None:
        self.path = path
        self.line = line
        self.col = col
        self.message = message
        super().__init__(f"{path}:{line}:{col}: {message}")


class YamlSyntaxError(VigieError):
    """A YAML file does not parse, at ``path:line:col`` (1-based)."""

    def __init__(self, path: str, line: int, col: int, message: str) -> None:
        self.path, self.line, self.col, self.message = path, line, col, message
        super().__init__(f"{path}:{line}:{col}: {message}")


class QuerySyntaxError(VigieError):
    """A query string is wrong at ``offset`` (0-based character index)."""

    def __init__(self, offset: int, message: str) -> None:
        self.offset, self.message = offset, message
        super().__init__(f"at character {offset + 1}: {message}")


class InputError(VigieError):
    """One INPUT of ``vigie rules test`` cannot be read; names it."""


class SourceError(VigieError):
    """One source failed; the others are not affected."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")


class FetchError(SourceError):
    """The bytes of a source could not be fetched (network, HTTP status, size cap, timeout)."""

    def __init__(self, source: str, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        self.status = status
        self.retry_after = retry_after
        super().__init__(source, message)


class ParseError(SourceError):
    """The fetched bytes yield no entries at all."""


class StoreError(VigieError):
    """The store (SQLite or PostgreSQL) refused an operation or cannot be reached."""


class LocalServerError(VigieError):
    """The local Prefect server of ``vigie serve`` did not start or did not answer."""


class ExecutorUnavailable(VigieError):
    """No Dask worker of ``executor:`` can be reached: the message names the scheduler's address."""
