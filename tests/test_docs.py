"""Docs that tests keep honest: the catalogue, the quick start, every CLI command."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from protocols.markdown import catalogue_markdown
from trafsim.cli import build_parser

ROOT = Path(__file__).parent.parent


def _quick_start_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "README's Quick start has no ```sh block"
    return [line for line in block[1].splitlines() if line.strip()]


def test_message_catalogue_is_current() -> None:
    """docs/messages.md is what the types generate (regenerate with
    `trafsim schema --markdown docs/messages.md`)."""
    current = (ROOT / "docs" / "messages.md").read_text(encoding="utf-8")
    assert current == catalogue_markdown(), "docs/messages.md is stale"


def test_quick_start_has_exactly_two_lines() -> None:
    """The Quick start block holds two commands: run the main job, run the tests."""
    lines = _quick_start_lines()
    assert len(lines) == 2
    assert all(line.startswith("python3 -m venv .venv && ") for line in lines)
    assert "pytest" in lines[1]


def test_ci_runs_the_second_quick_start_line() -> None:
    """.ci/run takes its test command from the README rather than a copy of it."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "## Quick start" in script
    assert "sed -n 2p" in script


def _commands(parser: argparse.ArgumentParser, prefix: str = "trafsim") -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _commands(sub, f"{prefix} {name}")
                found.extend(nested or [f"{prefix} {name}"])
    return found


def test_every_command_is_documented() -> None:
    """docs/cli.md has a section for every command the parser knows."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    commands = _commands(build_parser())
    assert commands
    missing = [command for command in commands if f"## `{command}`" not in text]
    assert not missing


def test_every_command_in_the_readme_parses() -> None:
    """Each `trafsim` command the README shows is one the CLI accepts, options and all."""
    import shlex

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [
        line.split("#", 1)[0]
        for block in re.findall(r"```sh\n(.*?)```", text, re.S)
        for line in block.splitlines()
    ]
    commands = [
        shlex.split(part.strip())[1:]
        for line in lines
        for part in line.split("&&")
        if part.strip().startswith(".venv/bin/trafsim ")
    ]
    assert len(commands) >= 8
    parser = build_parser()
    for argv in commands:
        parser.parse_args([a for a in argv if "$(" not in a])


def test_changelog_has_an_unreleased_section() -> None:
    """CHANGELOG.md follows Keep a Changelog with an Unreleased section."""
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def _raw_keys() -> dict[str, set[str]]:
    """Every key of every scenario table, from the raw scenario types."""
    import msgspec

    from trafsim_bus.scenario import raw

    keys: dict[str, set[str]] = {}
    for name in dir(raw):
        cls = getattr(raw, name)
        if (
            isinstance(cls, type)
            and issubclass(cls, msgspec.Struct)
            and cls is not raw.ScenarioFile
        ):
            info = msgspec.inspect.type_info(cls)
            keys[name] = {field.encode_name for field in info.fields}  # type: ignore[attr-defined]
    return keys


def test_every_scenario_key_is_documented() -> None:
    """docs/scenario.md names every key the scenario format accepts."""
    text = (ROOT / "docs" / "scenario.md").read_text(encoding="utf-8")
    missing = sorted(
        f"{table}.{key}"
        for table, keys in _raw_keys().items()
        for key in keys
        if f"`{key}`" not in text
    )
    assert not missing


def test_every_record_kind_is_documented() -> None:
    """docs/log-schema.md has a row for every kind of log record."""
    from trafsim_bus.log.records import RECORD_KINDS

    text = (ROOT / "docs" / "log-schema.md").read_text(encoding="utf-8")
    assert [kind for kind in RECORD_KINDS if f"| `{kind}` |" not in text] == []


def test_scenario_examples_are_real() -> None:
    """Each TOML example of docs/scenario.md is either quoted line for line from SILK
    THREAD or loads when added to it."""
    from trafsim_bus import load_scenario
    from trafsim_bus.scenario import parse_scenario

    text = (ROOT / "docs" / "scenario.md").read_text(encoding="utf-8")
    silk_thread = load_scenario("silk-thread").text
    examples = re.findall(r"```toml\n(.*?)```", text, re.DOTALL)
    assert examples
    for example in examples:
        quoted = re.search(r'^id = "([a-z0-9-]+)"$', example, re.MULTILINE)
        if quoted and f'id = "{quoted[1]}"\n' in silk_thread:
            assert [line for line in example.splitlines() if line not in silk_thread] == []
        else:
            parse_scenario(silk_thread + "\n" + example, "example.toml")


def test_architecture_covers_every_record_kind_and_action() -> None:
    """docs/architecture.md says what each record kind means for restore (and restore has
    a handler for each), and lists every control action."""
    import typing

    from trafsim_bus.core.actions import ControlAction
    from trafsim_bus.core.fold import HANDLERS
    from trafsim_bus.log.records import RECORD_KINDS

    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert [kind for kind in RECORD_KINDS if f"| `{kind}` |" not in text] == []
    assert sorted(HANDLERS) == sorted(RECORD_KINDS)
    actions = [cls.__struct_config__.tag for cls in typing.get_args(ControlAction)]
    assert len(actions) == 18
    assert [action for action in actions if f"| `{action}` |" not in text] == []


def _tour_run(folder: Path) -> str:
    """What `trafsim run` prints, run in an empty folder (the log in runs/)."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "trafsim", "run"],
        capture_output=True, text=True, check=True, cwd=folder,
    ).stdout  # fmt: skip


def _readme_with_tour(readme: str, printed: str) -> str:
    """README with its tour replaced by `printed`, up to the channels table."""
    start = readme.index("## A tour of the output")
    block = re.search(r"```text\n(.*?)```", readme[start:], re.DOTALL)
    assert block
    shown = printed.split("\nChannels", maxsplit=1)[0].rstrip("\n") + "\n...\n"
    return readme[: start + block.start(1)] + shown + readme[start + block.end(1) :]


def test_the_readme_tour_is_a_real_run(tmp_path: Path) -> None:
    """README's tour of the output is what `trafsim run` prints today, line for line
    (refresh it with `python -m tests.test_docs`)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _readme_with_tour(readme, _tour_run(tmp_path)) == readme


def test_the_tour_names_what_its_run_shows() -> None:
    """The reasons and compliance rules the tour's notes name (in backticks) are exactly
    those its printed run shows: the README's seed shows what the tour advertises."""
    from trafsim_bus.metrics import DELIVERY_REASONS
    from trafsim_bus.metrics.compliance import RULES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## A tour of the output")
    block = re.search(r"```text\n(.*?)```", readme[start:], re.DOTALL)
    assert block
    shown = block[1]
    notes = readme[start + block.end() : readme.index("\n## ", start + block.end())]

    def named(title: str, vocabulary: tuple[str, ...]) -> set[str]:
        note = re.search(rf"- \*\*{title}\*\*(.*?)(?=\n- \*\*|\Z)", notes, re.DOTALL)
        assert note, title
        return {word for word in re.findall(r"`(\w+)`", note[1]) if word in vocabulary}

    def printed(heading: str, vocabulary: tuple[str, ...]) -> set[str]:
        section = shown.split(heading, 1)[1].split("\n\n", 1)[0]
        return {line.split()[0] for line in section.splitlines()[1:] if line.split()} & set(
            vocabulary
        )

    reasons = printed("Where cooperation broke down", DELIVERY_REASONS)
    rules = printed("Compliance findings", RULES)
    assert reasons
    assert rules
    assert named("Where cooperation broke down", DELIVERY_REASONS) == reasons
    assert named("Compliance findings", RULES) == rules


def test_every_metrics_key_is_documented(tmp_path: Path) -> None:
    """docs/metrics.md describes every key of a real run's metrics document."""
    import json
    import subprocess
    import sys

    dynamic = {
        "translation_pools", "channels", "disruptions", "interpretation", "by_type",
        "by_origin", "rejected_by_reason", "refused_by_reason", "requests", "cases", "msel", "channel",
        "agency_pair", "country_pair", "language_pair",
    }  # fmt: skip
    document = json.loads(
        subprocess.run(
            [sys.executable, "-m", "trafsim", "run", "--db", str(tmp_path / "x.db"), "--json"],
            capture_output=True, text=True, check=False,
        ).stdout
        or "{}"
    )  # fmt: skip
    text = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    quoted = {word for code in re.findall(r"`([^`]+)`", text) for word in re.findall(r"\w+", code)}
    missing: list[str] = []

    def walk(node: object, name: str) -> None:
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if name not in dynamic and key not in quoted:
                missing.append(f"{name}.{key}")
            walk(value, "" if name in dynamic else key)

    assert document
    walk(document, "")
    assert missing == []


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = ROOT / "README.md"
        path.write_text(
            _readme_with_tour(path.read_text(encoding="utf-8"), _tour_run(Path(folder))),
            encoding="utf-8",
        )


def test_the_trail_example_is_a_real_run(tmp_path: Path) -> None:
    """docs/cli.md's `trafsim trail` example is what the default run's log shows."""
    import subprocess
    import sys

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n\$ trafsim trail runs/(\S+) (\w+)\n(.*?)```", text, re.DOTALL)
    assert block
    subprocess.run(
        [sys.executable, "-m", "trafsim", "run"], capture_output=True, check=True, cwd=tmp_path
    )
    printed = subprocess.run(
        [sys.executable, "-m", "trafsim", "trail", f"runs/{block[1]}", block[2]],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    ).stdout.splitlines()  # fmt: skip
    shown = [line for line in block[3].splitlines() if line != "  ..."]
    assert [line.rstrip() for line in printed[: len(shown)]] == shown


def test_the_mutation_table_covers_what_is_mutated() -> None:
    """docs/testing.md's mutation table lists every module mutmut mutates, and every test
    the run selects exists."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    text = (ROOT / "docs" / "testing.md").read_text("utf-8")
    table = text[text.index("## Mutation testing") :]
    for module in config["only_mutate"]:
        shown = module.removeprefix("trafsim_bus/")
        assert f"| {shown} |" in table, f"{shown} is mutated but not in docs/testing.md"
    for selected in config["pytest_add_cli_args_test_selection"]:
        path, _, name = selected.partition("::")
        assert (ROOT / path).exists(), path
        if name:
            assert f"def {name}(" in (ROOT / path).read_text("utf-8"), selected
