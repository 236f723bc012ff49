"""quality_scale.yaml says what the code is: each claim that code can check is checked against it.

A rule marked `done` whose evidence is in the code must have that evidence (the
file, the flow step, the call); a rule marked `exempt` must give its reason,
and that reason must not be contradicted by what the code does (an exemption
from repair issues while the code raises them, "no events" beside event.py).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from homeassistant.const import Platform
from homeassistant.util.yaml import load_yaml_dict

from custom_components.baidu_face.const import DOMAIN

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "custom_components" / DOMAIN
# Home Assistant's rules, tier by tier (developers.home-assistant.io, integration quality scale).
RULES = {
    # Bronze
    "action-setup", "appropriate-polling", "brands", "common-modules", "config-flow-test-coverage", "config-flow",
    "dependency-transparency", "docs-actions", "docs-high-level-description", "docs-installation-instructions",
    "docs-removal-instructions", "entity-event-setup", "entity-unique-id", "has-entity-name", "runtime-data",
    "test-before-configure", "test-before-setup", "unique-config-entry",
    # Silver
    "action-exceptions", "config-entry-unloading", "docs-configuration-parameters", "docs-installation-parameters",
    "entity-unavailable", "integration-owner", "log-when-unavailable", "parallel-updates", "reauthentication-flow",
    "test-coverage",
    # Gold
    "devices", "diagnostics", "discovery-update-info", "discovery", "docs-data-update", "docs-examples",
    "docs-known-limitations", "docs-supported-devices", "docs-supported-functions", "docs-troubleshooting",
    "docs-use-cases", "dynamic-devices", "entity-category", "entity-device-class", "entity-disabled-by-default",
    "entity-translations", "exception-translations", "icon-translations", "reconfiguration-flow", "repair-issues",
    "stale-devices",
    # Platinum
    "async-dependency", "inject-websession", "strict-typing",
}  # fmt: skip
_DISCOVERY = ("bluetooth", "dhcp", "homekit", "mqtt", "ssdp", "usb", "zeroconf")


def rules() -> dict[str, dict[str, Any]]:
    """Return each rule as {"status": ..., "comment": ...} (the short form `rule: done` too)."""
    listed = load_yaml_dict(str(INTEGRATION / "quality_scale.yaml"))["rules"]
    return {rule: value if isinstance(value, dict) else {"status": value} for rule, value in listed.items()}


def source() -> str:
    """Return the integration's Home Assistant modules (the client in api/ has no Home Assistant)."""
    return "\n".join(path.read_text() for path in sorted(INTEGRATION.glob("*.py")))


def has(pattern: str) -> Callable[[], bool]:
    return lambda: re.search(pattern, source(), re.MULTILINE) is not None


def exists(path: str) -> Callable[[], bool]:
    return (INTEGRATION / path).is_file


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((INTEGRATION / "manifest.json").read_text())
    return data


def translations(section: str) -> Callable[[], bool]:
    return lambda: bool(json.loads((INTEGRATION / "translations" / "en.json").read_text()).get(section))


def platform_modules() -> list[Path]:
    return [path for path in INTEGRATION.glob("*.py") if path.stem in {platform.value for platform in Platform}]


def actions_are_registered_in_async_setup() -> bool:
    setup = re.search(r"^async def async_setup\(.*?(?=^\S)", (INTEGRATION / "__init__.py").read_text(), re.M | re.S)
    return setup is not None and "async_setup_services(hass)" in setup.group()


def every_platform_sets_parallel_updates() -> bool:
    modules = platform_modules()
    return bool(modules) and all(re.search(r"^PARALLEL_UPDATES = ", path.read_text(), re.M) for path in modules)


def discovers() -> bool:
    return any(key in manifest() for key in _DISCOVERY) or has(rf"async_step_({'|'.join(_DISCOVERY)})\b")()


def mypy_is_strict() -> bool:
    return bool(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"].get("strict"))


def coverage_gate() -> bool:
    gates = re.findall(r"--cov-fail-under[= ](\d+)", (ROOT / "scripts" / "test").read_text())
    coverage = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"].get("coverage", {})
    gates += [coverage.get("report", {}).get("fail_under", 0)]
    return max(float(gate) for gate in gates) >= 95


# What the code shows when a rule applies to it and is followed: a rule marked done must show
# it; a rule marked exempt must not (else the code contradicts the exemption).
EVIDENCE: dict[str, Callable[[], bool]] = {
    "action-setup": lambda: exists("services.yaml")() and actions_are_registered_in_async_setup(),
    "brands": exists("brand/icon.png"),
    "config-entry-unloading": has(r"^async def async_unload_entry\("),
    "config-flow": lambda: exists("config_flow.py")() and manifest().get("config_flow") is True,
    "devices": has(r"\bDeviceInfo\("),
    "diagnostics": lambda: exists("diagnostics.py")() and has(r"def async_get_config_entry_diagnostics\(")(),
    "discovery": discovers,
    "discovery-update-info": discovers,
    "entity-category": has(r"entity_category"),
    "entity-device-class": has(r"device_class"),
    "entity-disabled-by-default": has(r"entity_registry_enabled_default\s*=\s*False"),
    # An entity that listens to something (its scanner, the people, the usage) and stops on removal.
    "entity-event-setup": lambda: has(r"def async_added_to_hass\(")() and has(r"self\.async_on_remove\(")(),
    "entity-translations": lambda: translations("entity")() and has(r"_attr_translation_key")(),
    "entity-unique-id": has(r"_attr_unique_id = "),
    "exception-translations": lambda: translations("exceptions")() and has(r"translation_key=")(),
    "has-entity-name": has(r"_attr_has_entity_name = True"),
    "icon-translations": exists("icons.json"),
    "inject-websession": has(r"async_get_clientsession\("),
    "integration-owner": lambda: bool(manifest().get("codeowners")),
    "parallel-updates": every_platform_sets_parallel_updates,
    "reauthentication-flow": has(r"async def async_step_reauth\("),
    "reconfiguration-flow": has(r"async def async_step_reconfigure\("),
    "repair-issues": has(r"async_create_issue\("),
    "runtime-data": lambda: has(r"\.runtime_data = ")() and not has(r"hass\.data\[DOMAIN\]")(),
    "strict-typing": mypy_is_strict,
    "test-coverage": coverage_gate,
    "unique-config-entry": has(r"async_set_unique_id\("),
}


def test_every_rule_is_listed_once_with_a_status() -> None:
    listed = rules()
    assert set(listed) == RULES
    assert {rule: value["status"] for rule, value in listed.items() if value["status"] not in ("done", "exempt")} == {}


def test_every_exemption_gives_its_reason() -> None:
    assert [rule for rule, value in rules().items() if value["status"] == "exempt" and not value.get("comment")] == []


@pytest.mark.parametrize("rule", sorted(EVIDENCE))
def test_the_code_shows_what_the_status_claims(rule: str) -> None:
    status = rules()[rule]["status"]
    shown = EVIDENCE[rule]()
    assert shown == (status == "done"), f"{rule} is {status}, but the code {'shows' if shown else 'lacks'} it"


def test_no_exemption_says_a_module_is_missing_that_exists() -> None:
    """An exemption that says "no diagnostics" (or events, repairs, ...) is untrue beside diagnostics.py."""
    modules = {path.stem for path in INTEGRATION.glob("*.py")} | {path.stem for path in INTEGRATION.glob("*.json")}
    contradicted = {}
    for rule, value in rules().items():
        if value["status"] != "exempt":
            continue
        named = re.findall(r"\bno (\w+?)s?\b", value["comment"], re.IGNORECASE)
        if found := [word for word in named if word.lower() in modules or f"{word.lower()}s" in modules]:
            contradicted[rule] = found
    assert contradicted == {}
