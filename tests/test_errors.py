"""The exception tree: every exception class of vigie is a VigieError, and vigie.errors draws it as it is."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import vigie
from vigie import errors
from vigie.errors import VigieError

# Private control flow that never leaves its module (each says so in a comment where it is defined).
PRIVATE_CONTROL_FLOW = {"vigie.rules.loader._Reported"}


def _exception_classes() -> dict[str, type[BaseException]]:
    """Every exception class defined in a module of the vigie package, by qualified name."""
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(vigie.__path__, "vigie."):
        if info.name.endswith("__main__"):
            continue  # running the CLI is not importing it
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = obj
    return found


def _drawn_tree() -> dict[str, str | None]:
    """The tree of the vigie.errors docstring: class name -> the name it hangs under."""
    doc = errors.__doc__ or ""
    parents: dict[str, str | None] = {"VigieError": None}
    path = ["VigieError"]
    for line in doc.splitlines():
        m = re.match(r"^\s*((?:│   |    )*)[├└]── (\w+)", line)
        if m is None:
            continue
        depth = len(m.group(1)) // 4 + 1
        del path[depth:]
        parents[m.group(2)] = path[-1]
        path.append(m.group(2))
    return parents


def test_every_exception_class_is_a_vigie_error() -> None:
    classes = _exception_classes()
    assert PRIVATE_CONTROL_FLOW <= set(classes), "an allowed exception no longer exists: drop it from the list"
    outside = sorted(name for name, cls in classes.items()
                     if not issubclass(cls, VigieError) and name not in PRIVATE_CONTROL_FLOW)
    assert outside == []


def test_the_docstring_draws_the_tree_as_it_is() -> None:
    classes = [cls for cls in _exception_classes().values() if issubclass(cls, VigieError)]
    real = {cls.__name__: (cls.__bases__[0].__name__ if cls is not VigieError else None) for cls in classes}
    assert _drawn_tree() == real
    assert all(cls.__module__ == "vigie.errors" for cls in classes)


def test_errors_render_where_they_happened() -> None:
    assert str(errors.YamlSyntaxError("rules/a.yaml", 3, 7, "invalid YAML: bad indent")) == "rules/a.yaml:3:7: invalid YAML: bad indent"
    err = errors.QuerySyntaxError(4, "empty parentheses")
    assert (str(err), err.offset, err.message) == ("at character 5: empty parentheses", 4, "empty parentheses")
