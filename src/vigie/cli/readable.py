"""Help that reads as words: ``--config FILE``, ``--limit N``, ``PATHS...``, never ``<list[Path]>`` or ``<bool>``.

Typer (0.2x, with rich) prints each parameter's Python annotation as its type: ``<bool>`` beside
every flag, ``<list[Path]>`` beside a list argument. A ``metavar=`` on one option hides it
for that option only, and an argument keeps printing its Python type even with one. So every
command and group of vigie is built from ``Typer`` below, whose command classes give each
parameter a readable metavar when they list their parameters (help, usage and parsing all
go through ``get_params``): flags get none, an option its value's kind in capitals (or the
metavar it was given), an argument its own name in capitals.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, get_args, get_origin

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

# The word shown for a value of each Python type; any other type shows its own name in capitals.
_WORDS: dict[Any, str] = {str: "TEXT", int: "INTEGER", float: "NUMBER", Path: "PATH", datetime: "DATETIME"}


def value_word(annotation: Any) -> str:
    """``PATH`` for Path, ``TEXT`` for str, ``PATH`` for list[Path] (the ``...`` is the caller's), ..."""
    if get_origin(annotation) in (list, tuple):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        return value_word(args[0]) if args else "VALUE"
    if annotation in _WORDS:
        return _WORDS[annotation]
    return str(getattr(annotation, "__name__", "VALUE")).upper()


def _option_word(option: TyperOption) -> str:
    desc = option.type_descriptor
    if desc.is_choice and desc.choices is not None:
        return "|".join(str(getattr(c, "value", c)) for c in desc.choices)
    return value_word(desc.annotation)


class _ReadableArgument(TyperArgument):
    """An argument shown by its metavar (``INPUTS...``, ``[PATHS]...``), without a Python type."""

    def _rich_display_name(self) -> str:
        return self.display_name_raw

    def _usage_display_name(self) -> str:
        return self.display_name_raw if self.required else f"[{self.display_name_raw}]"

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


def make_readable(param: Any) -> Any:
    """Give ``param`` its readable metavar (once); a metavar set by hand is kept."""
    if isinstance(param, TyperOption) and param.metavar is None:
        param.metavar = "" if param.is_flag or param.count else _option_word(param)
    elif isinstance(param, TyperArgument) and not isinstance(param, _ReadableArgument):
        if param.metavar is None:
            param.metavar = (param.name or "value").upper() + ("..." if param.nargs != 1 else "")
        # Typer builds its parameters itself and has no hook for their class: this subclass
        # only changes how the argument is shown, not what it parses.
        param.__class__ = _ReadableArgument
    return param


class ReadableCommand(TyperCommand):
    """A typer command whose parameters all carry readable metavars."""

    def get_params(self, ctx: Any) -> list[Any]:
        return [make_readable(p) for p in super().get_params(ctx)]


class ReadableGroup(TyperGroup):
    """A typer group whose own options (``--config``, ``--version``...) carry readable metavars."""

    def get_params(self, ctx: Any) -> list[Any]:
        return [make_readable(p) for p in super().get_params(ctx)]


class Typer(typer.Typer):
    """``typer.Typer`` whose groups and commands print readable help; use it for every vigie command group."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", ReadableGroup)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", ReadableCommand)
        return super().command(*args, **kwargs)
