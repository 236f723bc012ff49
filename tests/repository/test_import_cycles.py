"""No module of the integration or the server imports itself back, at run time or for the type checker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts.import_cycles import cycles, main

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("custom_components/baidu_face", "baidu_face_server")


@pytest.mark.parametrize("flags", [[], ["--type-checking"]])
def test_the_integration_and_the_server_have_no_import_cycle(flags: list[str]) -> None:
    run = subprocess.run(
        [sys.executable, "scripts/import_cycles.py", *flags, *PACKAGES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.stdout.splitlines() == [f"{package}: no import cycles" for package in PACKAGES], run.stdout
    assert run.returncode == 0, run.stderr


def package(root: Path, modules: dict[str, str]) -> Path:
    """Write a package `pkg` of the given modules (name: source) under `root`."""
    folder = root / "pkg"
    for name, source in {"__init__": "", **modules}.items():
        path = folder / f"{name.replace('.', '/')}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return folder


def test_a_cycle_is_printed_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = package(
        tmp_path, {"a": "from .b import B\nA = 1\n", "b": "from . import c\nB = 1\n", "c": "import pkg.a\n"}
    )
    assert main([str(folder)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{folder}: 3 modules import each other: pkg.a, pkg.b, pkg.c",
        f"{folder}:   e.g. pkg.a -> pkg.b -> pkg.c -> pkg.a",
    ]


def test_what_does_not_run_at_import_time_makes_no_cycle(tmp_path: Path) -> None:
    folder = package(
        tmp_path,
        {
            # Only for the type checker.
            "a": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\nA = 1\n",
            "b": "from .a import A\nB = 1\n",
            # Only when called.
            "c": "from .d import D\nC = 1\n",
            "d": "D = 1\ndef late():\n    from .c import C\n    return C\n",
            # A sibling's import runs the package's __init__ only while it is under way already.
            "e": "from .f import F\n",
            "f": "F = 1\n",
        },
    )
    (folder / "__init__.py").write_text("from .e import F\n")
    assert cycles(folder) == []
    assert cycles(folder, type_checking=True) == [(["pkg.a", "pkg.b"], ["pkg.a", "pkg.b", "pkg.a"])]


def test_an_import_of_the_packages_own_name_is_a_cycle(tmp_path: Path) -> None:
    folder = package(tmp_path, {"a": "from . import NAME\n"})
    (folder / "__init__.py").write_text("from .a import *\nNAME = 1\n")
    assert [group for group, _ in cycles(folder)] == [["pkg", "pkg.a"]]
