"""The container image and the Home Assistant add-on, checked without Docker (none runs here).

The options mapping and run.sh are run for real: run.sh starts the server from an options file
as the Supervisor would, and a token request proves it serves the configured apps. The Dockerfile,
config.yaml, build.yaml, translations and repository.yaml are checked statically against the rules
the Supervisor applies when it reads a repository (an add-on it cannot read silently vanishes
from the store).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from annotatedyaml import load_yaml

from baidu_face_server.addon import CONTAINER_PORT, OptionsError, main, server_flags

ROOT = Path(__file__).resolve().parents[2]
RUN_SH = ROOT / "run.sh"


def load(name: str) -> Any:
    """Read a YAML file the way Home Assistant does."""
    return load_yaml(ROOT / name)


# --- options -> flags -------------------------------------------------------------------------


def test_options_become_the_servers_flags() -> None:
    options = {
        "apps": [{"api_key": "house", "secret_key": "s3cret", "dialect": "v3"}, {"api_key": "old", "secret_key": "x"}],
        "database": "/share/faces.sqlite3",
        "qps": 5,
        "allow_url_images": True,
    }
    assert server_flags(options) == [
        "--host", "0.0.0.0", "--port", str(CONTAINER_PORT), "--db", "/share/faces.sqlite3",
        "--app", "house:s3cret:v3", "--app", "old:x:both", "--qps", "5", "--allow-url-images",
    ]  # fmt: skip


def test_the_database_defaults_to_the_add_ons_data_folder() -> None:
    flags = server_flags({"apps": [{"api_key": "k", "secret_key": "s"}]})
    assert flags[flags.index("--db") + 1] == "/data/faces.sqlite3"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"apps": []}, "add an app"),
        ({}, "add an app"),
        ({"apps": [{"api_key": "k", "secret_key": ""}]}, "app 1 needs both"),
        ({"apps": [{"api_key": "k", "secret_key": "s"}, {"api_key": "k2", "secret_key": "a:b"}]}, "app 2: keys"),
        ({"apps": [{"api_key": "k", "secret_key": "s", "dialect": "v4"}]}, "dialect must be"),
        ([], "does not hold an object"),
    ],
)
def test_options_that_cannot_start_a_server_say_what_to_change(options: Any, message: str) -> None:
    with pytest.raises(OptionsError, match=message) as caught:
        server_flags(options)
    assert "a:b" not in str(caught.value)  # a secret is never repeated into the log


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Cannot read the add-on's options"),
        ("{not json", "Cannot read the add-on's options"),
        ('{"apps": []}', "The add-on cannot start: add an app"),
    ],
)
def test_the_add_on_stops_with_a_message_for_the_log(tmp_path: Path, content: str | None, message: str) -> None:
    options = tmp_path / "options.json"
    if content is not None:
        options.write_text(content)
    with pytest.raises(SystemExit) as ended:
        main([str(options)])
    assert str(ended.value.code).startswith(message)


# --- run.sh, for real -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def token(port: int, key: str, secret: str) -> dict[str, Any]:
    query = f"grant_type=client_credentials&client_id={key}&client_secret={secret}"
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/oauth/2.0/token?{query}", timeout=5) as response:
            answer: dict[str, Any] = json.load(response)
    except urllib.error.HTTPError as refused:  # Baidu answers a bad secret with 401 and a JSON body
        answer = json.load(refused)
    return answer


def run_sh(*flags: str, options: Path) -> subprocess.Popen[str]:
    env = os.environ | {
        "ADDON_OPTIONS": str(options),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        ["sh", str(RUN_SH), *flags], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.fixture
def started(socket_enabled: None) -> Iterator[list[subprocess.Popen[str]]]:
    """Collect the processes a test starts; stop each (by its own id) when the test ends."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        process.terminate()
        process.communicate(timeout=30)


def wait_for_token(process: subprocess.Popen[str], port: int, key: str, secret: str) -> dict[str, Any]:
    deadline = time.monotonic() + 90  # dlib's models load first
    while True:
        try:
            return token(port, key, secret)
        except urllib.error.URLError, ConnectionError:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.3)


def test_run_sh_starts_the_server_from_the_add_on_options(tmp_path: Path, started: list[subprocess.Popen[str]]) -> None:
    database = tmp_path / "faces.sqlite3"
    options = tmp_path / "options.json"
    apps = [
        {"api_key": "house", "secret_key": "s3cret"},
        {"api_key": "garage", "secret_key": "g4rage", "dialect": "v2"},
    ]
    options.write_text(json.dumps({"apps": apps, "database": str(database)}))
    port = free_port()
    process = run_sh("--host", "127.0.0.1", "--port", str(port), options=options)
    started.append(process)
    assert "access_token" in wait_for_token(process, port, "house", "s3cret")
    assert "access_token" in token(port, "garage", "g4rage")
    assert token(port, "house", "wrong")["error"] == "invalid_client"
    assert database.exists()


def test_run_sh_without_options_runs_the_plain_containers_command(
    tmp_path: Path, started: list[subprocess.Popen[str]]
) -> None:
    port = free_port()
    database = tmp_path / "faces.sqlite3"
    flags = ("--app", "k:s", "--db", str(database), "--host", "127.0.0.1", "--port", str(port))
    process = run_sh(*flags, options=tmp_path / "absent.json")
    started.append(process)
    assert "access_token" in wait_for_token(process, port, "k", "s")
    assert database.exists()


def test_run_sh_refuses_options_without_an_app_and_says_why(tmp_path: Path) -> None:
    options = tmp_path / "options.json"
    options.write_text(json.dumps({"apps": [], "database": str(tmp_path / "faces.sqlite3")}))
    process = run_sh(options=options)
    _, errors = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "add an app" in errors


# --- what the Supervisor reads ----------------------------------------------------------------

ARCHES = {"amd64", "aarch64", "armv7", "armhf", "i386"}
# The option types the Supervisor's schema language knows, each optionally bounded "(...)" and
# optionally marked "?" (not required).
SCHEMA_TYPE = re.compile(r"(bool|email|url|port|str|password|int|float|device|match|list)(\(.*\))?\??")


def schema_leaves(schema: Any) -> Iterator[tuple[str, str]]:
    """Every (option path, type string) in a config.yaml schema."""
    stack = [("", schema)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            stack += [(f"{path}.{key}", value) for key, value in node.items()]
        elif isinstance(node, list):
            assert len(node) == 1, path
            stack.append((f"{path}[]", node[0]))
        else:
            yield path, node


def test_the_supervisor_finds_exactly_one_add_on_here() -> None:
    """The Supervisor clones the repository and takes every config.json/yaml/yml outside dot-folders for an add-on."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    found = [
        name
        for name in tracked.splitlines()
        if re.fullmatch(r"config\.(json|yaml|yml)", Path(name).name)
        and not any(p.startswith(".") for p in Path(name).parts)
    ]
    assert found == ["config.yaml"]
    assert load("repository.yaml")["name"]


def test_config_yaml_has_what_the_supervisor_requires() -> None:
    config = load("config.yaml")
    for key in ("name", "version", "slug", "description", "arch"):
        assert config.get(key), key
    assert re.fullmatch(r"[-_.A-Za-z0-9]+", config["slug"])
    assert set(config["arch"]) <= ARCHES
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["version"] == pyproject["project"]["version"]
    assert config["startup"] in {"initialize", "system", "services", "application", "once"}
    assert all(re.fullmatch(r"\d+/(tcp|udp)", port) for port in config["ports"])
    assert config["ports"] == {f"{CONTAINER_PORT}/tcp": CONTAINER_PORT}
    assert re.fullmatch(r"tcp://\[HOST\]:\[PORT:\d+\]", config["watchdog"])
    assert all(re.fullmatch(r"(data|config|ssl|addons|backup|share|media)(:(rw|ro))?", m) for m in config["map"])


def test_every_option_has_a_type_and_a_valid_default() -> None:
    config = load("config.yaml")
    leaves = dict(schema_leaves(config["schema"]))
    for path, kind in leaves.items():
        assert isinstance(kind, str), path
        assert SCHEMA_TYPE.fullmatch(kind), (path, kind)
    assert set(config["options"]) <= set(config["schema"])
    # Options without "?" must have a default, or the Supervisor refuses to start the add-on.
    required = {key for key, kind in config["schema"].items() if isinstance(kind, str) and not kind.endswith("?")}
    assert required <= set(config["options"])
    database = leaves[".database"]
    assert re.fullmatch(database.removeprefix("match(").removesuffix(")"), config["options"]["database"])
    (key_rule,) = [kind for path, kind in leaves.items() if path.endswith("api_key")]
    assert not re.fullmatch(key_rule.removeprefix("match(").removesuffix(")"), "a:b")


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_translations_name_every_option_and_port(language: str) -> None:
    config = load("config.yaml")
    translation = load(f"translations/{language}.yaml")
    assert set(translation["configuration"]) == set(config["schema"])
    assert all(entry["name"] and entry["description"] for entry in translation["configuration"].values())
    (app_schema,) = config["schema"]["apps"]
    fields = translation["configuration"]["apps"]["fields"]
    assert set(fields) == set(app_schema)
    assert all(entry["name"] and entry["description"] for entry in fields.values())
    assert set(translation["network"]) == set(config["ports"])


def test_build_yaml_builds_every_architecture_from_a_full_image_name() -> None:
    config, build = load("config.yaml"), load("build.yaml")
    assert set(build["build_from"]) == set(config["arch"])
    for image in build["build_from"].values():
        # The Supervisor wants namespace/name[:tag]; "python:3.14-slim" alone is refused.
        assert re.fullmatch(r"([\w.-]+/)+[\w.-]+:3\.14-slim", image), image
    assert all(isinstance(value, str) for value in build["args"].values())


def dockerfile() -> list[tuple[str, str]]:
    """Read the Dockerfile's instructions (continuation lines joined, comments dropped)."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_dockerfile_is_slim_python_3_14_non_root_with_a_volume_and_a_health_check() -> None:
    instructions = dockerfile()
    args = {value.split("=", 1)[0]: value.split("=", 1)[1] for kind, value in instructions if kind == "ARG"}
    assert args["BUILD_FROM"] == "docker.io/library/python:3.14-slim"
    assert ("FROM", "${BUILD_FROM}") in instructions
    assert ("USER", "${RUN_AS}") in instructions
    assert args["RUN_AS"] == "app"  # only build.yaml's add-on build overrides it
    assert ("VOLUME", "/data") in instructions
    assert any(kind == "HEALTHCHECK" and "8300" in value for kind, value in instructions)
    assert ("EXPOSE", str(CONTAINER_PORT)) in instructions
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert re.search(r"^dlib-bin==", requirements, re.MULTILINE)


def test_dockerignore_lets_in_exactly_what_the_dockerfile_copies() -> None:
    copied = {value.split()[0] for kind, value in dockerfile() if kind == "COPY"}
    allowed = {line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines() if line[:1] == "!"}
    assert copied == allowed
    assert all((ROOT / name).exists() for name in copied)
