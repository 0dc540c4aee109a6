"""Every `trdcare` command answers a mistyped or missing option in the house's plain words.

The commands are walked from the Typer command tree (not a hand-kept list), so a command added
later is held to the same rule: exit 2, one line on stderr naming the option, what is allowed
and what was given, never the command-line library's box or wording.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
import typer.main
from typer.testing import CliRunner

from trdcare.cli import app

runner = CliRunner()

# The command-line library's own wording and its error box; none may reach a clinician.
LIBRARY_WORDING = (
    "Usage:",
    "Try '",
    "Invalid value",
    "Input should",
    "is not a valid",
    "Missing option",
    "Missing argument",
    "Missing parameter",
    "No such option",
    "No such command",
    "unable to parse",
    "Error",
)
BOX_CHARACTERS = "╭╮╰╯│─━┃"

NONSENSE = "not-a-value"


def _leaves(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    subcommands = getattr(command, "commands", None)
    if subcommands:
        for name, sub in sorted(subcommands.items()):
            yield from _leaves(sub, (*path, name))
    else:
        yield path, command


def _inner(annotation: Any) -> Any:
    """``list[int]`` -> ``int``; other annotations unchanged."""
    if get_origin(annotation) in (list, tuple):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        return args[0] if args else annotation
    return annotation


def _is_typed(param: Any) -> bool:
    """A number, a date or a choice: a value the command line itself must check."""
    descriptor = param.type_descriptor
    if descriptor.is_choice:
        return True
    inner = _inner(descriptor.annotation)
    if inner is bool:
        return False
    if isinstance(inner, type) and issubclass(inner, (int, float, date, datetime, enum.Enum)):
        return True
    return get_origin(inner) is Literal


def _valid_value(param: Any) -> str:
    """A value the parser accepts for ``param`` (so the test reaches the one under test)."""
    descriptor = param.type_descriptor
    if descriptor.is_choice and descriptor.choices:
        first = descriptor.choices[0]
        return str(getattr(first, "value", first))
    inner = _inner(descriptor.annotation)
    info = descriptor.parameter_info
    if isinstance(inner, type) and issubclass(inner, datetime):
        return "2024-03-31 14:30"
    if isinstance(inner, type) and issubclass(inner, date):
        return "2024-03-31"
    if isinstance(inner, type) and issubclass(inner, (int, float)):
        return str(info.min if info.min is not None else 1)
    return "x"


def _is_option(param: Any) -> bool:
    return param.param_type_name == "option"


def _option_name(param: Any) -> str:
    """An option as typed (``--frequency-hz``); an argument as --help shows it (``PATIENT``)."""
    if _is_option(param):
        return max(param.opts, key=len)
    return str(param.name).upper()


def _tokens(param: Any, value: str) -> list[str]:
    if _is_option(param):
        if param.is_flag:
            return [_option_name(param)]
        return [_option_name(param), value]
    return [value]


def _all_params() -> list[tuple[tuple[str, ...], Any, Any]]:
    root = typer.main.get_command(app)
    return [(path, command, param) for path, command in _leaves(root) for param in command.params]


def _invoke(tmp_path: Path, path: tuple[str, ...], args: list[str]) -> Any:
    return runner.invoke(app, ["--data-dir", str(tmp_path), *path, *args])


def _assert_one_plain_line(result: Any, name: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("error: "), line
    assert name in line, line
    for phrase in LIBRARY_WORDING:
        assert phrase not in line, line
    assert not set(BOX_CHARACTERS) & set(line), line


TYPED = [
    pytest.param(path, command, param, id=f"{' '.join(path)} {param.name}")
    for path, command, param in _all_params()
    if _is_typed(param)
]
REQUIRED = [
    pytest.param(path, command, param, id=f"{' '.join(path)} {param.name}")
    for path, command, param in _all_params()
    if param.required
]


def test_the_walk_finds_typed_and_required_options() -> None:
    # Guards the walk itself: the tree has numeric options and required options today.
    assert len(TYPED) >= 20
    assert len(REQUIRED) >= 20


@pytest.mark.parametrize(("path", "command", "param"), TYPED)
def test_a_nonsense_value_is_one_plain_line_naming_the_option(
    tmp_path: Path, path: tuple[str, ...], command: Any, param: Any
) -> None:
    args: list[str] = []
    for other in command.params:
        if other is param:
            break
        if not _is_option(other):  # the positional arguments before it must be there
            args.extend(_tokens(other, _valid_value(other)))
    args.extend(_tokens(param, NONSENSE))
    if any("--json" in getattr(other, "opts", ()) for other in command.params):
        args.append("--json")  # a script reading stdout gets nothing, not half a document
    result = _invoke(tmp_path, path, args)
    name = _option_name(param)
    _assert_one_plain_line(result, name)
    assert f"given: '{NONSENSE}'" in result.stderr, result.stderr
    assert "allowed" in result.stderr or " must be " in result.stderr, result.stderr


@pytest.mark.parametrize(("path", "command", "param"), REQUIRED)
def test_a_missing_required_option_is_one_plain_line_naming_it(
    tmp_path: Path, path: tuple[str, ...], command: Any, param: Any
) -> None:
    args: list[str] = []
    past_it = False
    for other in command.params:
        if other is param:
            past_it = True
            continue
        if past_it and not _is_option(other):
            continue  # an argument after the missing one would take its place
        if other.required:
            args.extend(_tokens(other, _valid_value(other)))
    result = _invoke(tmp_path, path, args)
    name = _option_name(param)
    _assert_one_plain_line(result, name)
    assert "is required" in result.stderr, result.stderr


def test_an_unknown_option_and_an_unknown_command_are_plain_lines(tmp_path: Path) -> None:
    result = _invoke(tmp_path, ("tms", "check"), ["--frequency", "10"])
    _assert_one_plain_line(result, "--frequency")
    assert "--frequency-hz" in result.stderr  # the option meant is suggested

    result = _invoke(tmp_path, ("tms", "chek"), [])
    _assert_one_plain_line(result, "chek")
    assert "check" in result.stderr  # the commands allowed are listed

    result = _invoke(tmp_path, ("tms", "check"), ["--frequency-hz"])
    _assert_one_plain_line(result, "--frequency-hz")
    assert "needs a value" in result.stderr

    result = _invoke(tmp_path, ("caseload",), ["extra", "words"])
    _assert_one_plain_line(result, "given: extra words")

    result = _invoke(tmp_path, (), [])  # an option of the root but no command
    _assert_one_plain_line(result, "needs a command")
    assert "patient" in result.stderr


def test_help_and_version_still_work(tmp_path: Path) -> None:
    result = runner.invoke(app, ["tms", "check", "--help"])
    assert result.exit_code == 0, result.output
    assert "--frequency-hz" in result.stdout

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("trdcare ")


RANGED = [
    pytest.param(path, param, id=f"{' '.join(path)} {param.name}")
    for path, _command, param in _all_params()
    if param.type_descriptor.is_ranged and param.type_descriptor.parameter_info.min is not None
]


def test_the_walk_finds_ranged_options() -> None:
    assert RANGED  # demo --patients, serve --port, serve --workers today


@pytest.mark.parametrize(("path", "param"), RANGED)
def test_a_number_below_its_range_names_the_least_allowed(
    tmp_path: Path, path: tuple[str, ...], param: Any
) -> None:
    least = param.type_descriptor.parameter_info.min
    result = _invoke(tmp_path, path, _tokens(param, str(least - 1)))
    _assert_one_plain_line(result, _option_name(param))
    assert f"must be at least {least}" in result.stderr, result.stderr
    assert f"given: '{least - 1}'" in result.stderr, result.stderr
