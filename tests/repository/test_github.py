"""What GitHub runs and shows: the workflows and the issue forms parse and have the shape they need.

GitHub only reports a broken workflow file once it is pushed; these tests catch a typo first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from homeassistant.util.yaml import parse_yaml

GITHUB = Path(__file__).resolve().parents[2] / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))


def load(path: Path) -> dict[Any, Any]:
    document = parse_yaml(path.read_text())
    assert isinstance(document, dict), path
    return document


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean true.
    on = workflow.get("on", workflow.get(True))
    assert isinstance(on, dict)
    return on


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_the_workflows_are_the_three_a_hacs_repository_needs() -> None:
    assert [path.name for path in WORKFLOWS] == ["release.yml", "tests.yml", "validate.yml"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_every_workflow_is_well_formed(path: Path) -> None:
    workflow = load(path)
    assert isinstance(workflow["name"], str)
    assert triggers(workflow)
    assert workflow["jobs"]
    for job in workflow["jobs"].values():
        assert set(job) <= {"name", "runs-on", "container", "timeout-minutes", "steps", "permissions"}
        assert job["runs-on"] == "ubuntu-latest"
        assert job["steps"][0] == {"uses": "actions/checkout@v4"}
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step
            assert set(step) <= {"name", "uses", "with", "run", "env", "if"}, step
            if "uses" in step:
                assert "@" in step["uses"], step


def test_validation_runs_hassfest_and_hacs_on_every_push_and_pull_request() -> None:
    workflow = load(GITHUB / "workflows" / "validate.yml")
    assert {"push", "pull_request"} <= set(triggers(workflow))
    uses = {step.get("uses"): step.get("with") for step in steps(workflow)}
    assert "home-assistant/actions/hassfest@master" in uses
    assert uses["hacs/action@main"] == {"category": "integration"}


def test_the_tests_run_readmes_command_with_python_314_and_what_it_needs() -> None:
    workflow = load(GITHUB / "workflows" / "tests.yml")
    assert {"push", "pull_request"} <= set(triggers(workflow))
    (job,) = workflow["jobs"].values()
    assert job["container"].startswith("python:3.14")
    commands = [step["run"] for step in job["steps"] if "run" in step]
    assert "scripts/test" in commands
    assert any("chromium" in command and "libturbojpeg0" in command for command in commands)


def test_a_release_tag_publishes_the_changelogs_notes() -> None:
    workflow = load(GITHUB / "workflows" / "release.yml")
    assert triggers(workflow) == {"push": {"tags": ["v*.*.*"]}}
    commands = " ".join(step.get("run", "") for step in steps(workflow))
    assert "scripts/release_notes.py" in commands
    assert "gh release create" in commands


def test_the_bug_form_asks_for_versions_api_and_diagnostics() -> None:
    form = load(GITHUB / "ISSUE_TEMPLATE" / "bug.yml")
    fields = {item["id"]: item for item in form["body"] if "id" in item}
    assert {"home_assistant_version", "integration_version", "api_version", "diagnostics"} <= set(fields)
    options = " ".join(fields["api_version"]["attributes"]["options"])
    assert all(api in options for api in ("V2", "V3", "local server"))
    assert all(fields[name]["validations"]["required"] for name in ("home_assistant_version", "diagnostics"))


def test_the_feature_form_and_the_chooser_parse() -> None:
    feature = load(GITHUB / "ISSUE_TEMPLATE" / "feature.yml")
    assert feature["name"]
    assert feature["body"]
    chooser = load(GITHUB / "ISSUE_TEMPLATE" / "config.yml")
    assert isinstance(chooser["blank_issues_enabled"], bool)
    assert all({"name", "url", "about"} <= set(link) for link in chooser["contact_links"])
