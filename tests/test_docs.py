"""Docs are tested: every command has help text and appears in the README."""

from pathlib import Path

import click

from netral_assets.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text("utf-8")


def _commands(group, prefix=""):
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")


def test_every_command_has_help_and_is_in_the_readme():
    names = []
    for name, command in _commands(cli):
        assert command.help, name
        assert f"netral {name}" in README, f"README does not mention `netral {name}`"
        names.append(name)
    assert {"kit", "twibbon", "logo", "poster", "designs", "stats", "agencies search"} <= set(names)


def test_readme_gives_the_two_commands():
    assert "make demo" in README and "make test" in README
