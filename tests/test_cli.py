"""The command line: every command answers --help and is documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from vigie.cli.main import app

runner = CliRunner()


def all_commands() -> list[tuple[str, ...]]:
    """Every command path of the CLI, e.g. ('rules', 'check')."""
    root = typer.main.get_command(app)
    paths: list[tuple[str, ...]] = []

    def walk(cmd: object, prefix: tuple[str, ...]) -> None:
        # Typer ships its own copy of click: recognise groups by their sub-commands.
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, prefix + (name,))
            if prefix and getattr(cmd, "invoke_without_command", False):
                paths.append(prefix)
        else:
            paths.append(prefix)

    walk(root, ())
    return sorted(paths)


def test_the_cli_has_the_commands_the_issues_name() -> None:
    names = {" ".join(p) for p in all_commands()}
    for expected in ["run", "serve", "config", "rules check", "rules test", "feeds check"]:
        assert expected in names


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p))
def test_every_command_answers_help(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def all_groups() -> list[tuple[str, ...]]:
    """The root and every command group, e.g. ('rules',)."""
    return sorted({p[:i] for p in all_commands() for i in range(len(p))})


# What typer prints when left alone: the Python annotation (<bool>, <path>, <list[Path]>, <int>).
PYTHON_TYPE = re.compile(r"<\s*(?:bool|str|int|float|path|file|dir|list|tuple|Path)\b[^>]*>|list\[")


@pytest.mark.parametrize("path", all_groups() + all_commands(), ids=lambda p: " ".join(p) or "vigie")
def test_help_reads_as_words_not_python_types_or_markup(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert not PYTHON_TYPE.search(result.output), result.output
    assert "`" not in result.output, result.output  # RST/markdown backticks are printed as they are
    # every option that takes a value names it in capitals (or its choices); flags name nothing
    for line in result.output.splitlines():
        m = re.match(r"^[│|]\s+(--[\w-]+)(?:\s+-\w)?\s{2,}(\S+)?", line)
        if m and m.group(1) in ("--help", "--json", "--all", "--quiet", "--force", "--version", "--verbose", "--debug"):
            assert not m.group(2) or not m.group(2).isupper(), line


def test_help_names_values_and_arguments_readably() -> None:
    def help_of(*words: str) -> str:
        return runner.invoke(app, [*words, "--help"], env={"COLUMNS": "160"}).output

    assert re.search(r"--config\s+-c\s+FILE", help_of("run"))
    assert "[OPTIONS] [PATHS...]" in help_of("rules", "check")
    assert "[OPTIONS] INPUTS..." in help_of("rules", "test")
    assert re.search(r"--rules\s+-r\s+PATH\b", help_of("rules", "test"))
    assert re.search(r"--limit\s+-n\s+N\b", help_of("alerts", "list"))
    assert "ALERT_ID" in help_of("alerts", "show")
    assert re.search(r"--timeout\s+SECONDS", help_of("feeds", "check"))


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p))
def test_every_command_is_documented_in_the_readme(repo: Path, path: tuple[str, ...]) -> None:
    readme = (repo / "README.md").read_text(encoding="utf-8")
    if path[0] == "alerts" and path[-1] != "send":
        # documented together as `vigie alerts [list|show ID|retry]`
        assert "vigie alerts [list\\|show ID\\|retry]" in readme
        assert all(part in ("alerts", "list", "show", "retry") for part in path)
    else:
        assert f"`vigie {' '.join(path)}" in readme, f"vigie {' '.join(path)} is not in the README's command table"


def test_config_command_hides_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIE_TEST_SECRET", "hunter2")
    cfg = tmp_path / "vigie.yaml"
    cfg.write_text("targets:\n  - name: mail\n    url: mailtos://me:${VIGIE_TEST_SECRET}@smtp.example.org\n")
    result = runner.invoke(app, ["config", "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    assert "mailtos://me:${VIGIE_TEST_SECRET}@smtp.example.org" in result.output
    assert "hunter2" not in result.output


def test_a_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "vigie.yaml"
    cfg.write_text("sourcs: []\n")
    result = runner.invoke(app, ["run", "--config", str(cfg)])
    assert result.exit_code == 2
    assert f"{cfg}:1: sourcs: unknown key" in result.output


@pytest.mark.parametrize(
    ("url", "secret"),
    [("mailtos://bob:hunter2pw@smtp.example.org", "hunter2pw"), ("slack://TOKENAAAA/TOKENBBBB/tokencccccccccccccccccccc", "tokencccccc"),
     ("nosuchscheme://user:topsecret@host/x", "topsecret")],
)
def test_config_command_masks_secrets_written_in_the_url(tmp_path: Path, url: str, secret: str) -> None:
    cfg = tmp_path / "vigie.yaml"
    cfg.write_text(f"targets:\n  - name: t\n    url: '{url}'\n")
    result = runner.invoke(app, ["config", "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    assert "  - t: " in result.output and secret not in result.output


def test_every_command_that_reads_the_configuration_takes_the_one_config_option() -> None:
    from vigie.cli.common import ConfigOption

    root = typer.main.get_command(app)
    readers = [p for p in all_commands() if p not in {("rules", "schema"), ("init",)}]
    for path in readers:
        cmd = root
        for name in path:
            cmd = cmd.commands[name]  # type: ignore[attr-defined]
        options = [p for p in cmd.params if "--config" in getattr(p, "opts", ())]
        assert len(options) == 1, path
        assert options[0].help == ConfigOption.help, path


@pytest.mark.parametrize(
    ("words", "command"),
    [
        (["--config", "{cfg}", "config"], "config"),  # before the command
        (["config", "--config", "{cfg}"], "config"),  # after it
        (["-c", "{cfg}", "rules", "check"], "check"),  # before a group
        (["rules", "check", "-c", "{cfg}"], "check"),
        (["alerts", "-c", "{cfg}", "list"], "list"),  # between a group and its command
    ],
)
def test_config_may_be_given_before_or_after_the_command(tmp_path: Path, words: list[str], command: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ./vigie.yaml to fall back on
    (tmp_path / "elsewhere").mkdir()
    cfg = tmp_path / "elsewhere" / "mine.yaml"
    (tmp_path / "elsewhere" / "rules").mkdir()
    (tmp_path / "elsewhere" / "rules" / "r.yaml").write_text("rules:\n  - id: only-mine\n    query: koursk\n", encoding="utf-8")
    cfg.write_text("data_dir: state\n", encoding="utf-8")
    result = runner.invoke(app, [w.format(cfg=cfg) for w in words])
    assert result.exit_code == 0, result.output
    if command == "config":
        assert f"config:   {cfg}" in result.output
    elif command == "check":
        assert "1 file(s), 1 valid rule(s)" in result.output
    else:
        assert (tmp_path / "elsewhere" / "state" / "vigie.db").is_file()  # the store of that configuration


def test_version_and_shell_completion() -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"vigie {version('vigie')}"
    completion = runner.invoke(app, ["--show-completion", "bash"], env={"SHELL": "/bin/bash"})
    assert completion.exit_code == 0 and "complete" in completion.output and "vigie" in completion.output.lower()


def commands_in_help(words: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Every command path that ``vigie ... --help`` lists in its Commands panel, walked down each group."""
    output = runner.invoke(app, [*words, "--help"], env={"COLUMNS": "160"}).output
    if "Commands" not in output:
        return {words}
    panel = output.split("Commands", 1)[1]
    names = re.findall(r"^│ ([a-z][\w-]*)\s", panel, flags=re.M)
    found: set[tuple[str, ...]] = set()
    for name in names:
        found |= commands_in_help((*words, name))
    return found


def commands_in_readme_table(repo: Path) -> set[tuple[str, ...]]:
    """The command paths of the README's command table: `vigie alerts [list\\|show ID\\|retry]` stands for three."""
    readme = (repo / "README.md").read_text(encoding="utf-8")
    table = readme.split("| command | what it does |", 1)[1].split("\n\n", 1)[0]
    found: set[tuple[str, ...]] = set()
    for cell in re.findall(r"^\| `vigie ([^`]+)`", table, flags=re.M):
        words: list[str] = []
        for token in cell.split():
            if re.fullmatch(r"[a-z][\w-]*", token):
                words.append(token)
                continue
            alternatives = re.fullmatch(r"\[([a-z][^\]]*)\]", cell[cell.index(token):].split("]")[0] + "]")
            if alternatives and "\\|" in alternatives.group(1):
                found |= {(*words, alt.split()[0]) for alt in alternatives.group(1).split("\\|")}
                words = []
            break
        if words:
            found.add(tuple(words))
    return found


def test_the_readme_command_table_lists_exactly_the_commands_of_help(repo: Path) -> None:
    in_help = commands_in_help()
    in_table = commands_in_readme_table(repo)
    assert in_help - in_table == set(), f"in --help but not in the README's command table: {sorted(in_help - in_table)}"
    assert in_table - in_help == set(), f"in the README's command table but not in --help: {sorted(in_table - in_help)}"
