"""Lean Lambda packages: each zip holds its handler and the runtime code it imports, nothing else.

The file lists are Terraform's (modules/definition, from functions/packages.json); the import closure
is computed from the code (harness/packages.py); and each package, unpacked on its own, imports its
handler in a fresh interpreter that cannot see the repository, as Lambda would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from harness import packages
from harness.manifest import local_manifest
from support import REPO

FORBIDDEN = ("offline_model", "cassette", "harness", "test_", "conftest", "events/", "__pycache__", "fixtures")


@pytest.fixture(scope="module")
def zips():
    return local_manifest()["packages"]


def test_the_package_plan_is_what_the_code_imports():
    assert packages.main(["--check"]) == 0, "functions/packages.json is out of date: run make packages"


def test_each_zip_holds_its_handler_its_imports_and_nothing_else(zips):
    for name, files in zips.items():
        own = {
            f"{name}/{path.relative_to(REPO / 'functions' / name)}"
            for path in (REPO / "functions" / name).rglob("*.py")
            if not path.name.startswith("test_") and path.name != "conftest.py" and "__pycache__" not in path.parts
        }
        plan = packages.handler_plan(name)
        assets = {  # the asset folders' files, but their READMEs (modules/definition's asset_files)
            f"{asset}/{path.name}"
            for asset in plan["assets"]
            for path in (REPO / asset).iterdir()
            if path.is_file() and path.name != "README.md"
        }
        assert set(files) == own | set(plan["files"]) | assets, name
        assert not [path for path in files if any(word in path for word in FORBIDDEN)], name
        for inside, source in files.items():
            assert Path(source).is_file() and source.endswith(inside.split("/", 1)[1]), (inside, source)


def test_no_zip_carries_the_stand_in_or_the_cassettes(zips):
    everything = {path for files in zips.values() for path in files}
    assert not any(
        "offline" in path or "cassette" in path or (Path(path).name == "model.py" and "harness" in path)
        for path in everything
    )
    assert "agent_core/backends.py" in zips["llm"] and "agent_core/backends.py" not in zips["parse"]
    assert not any(path.startswith("prompts/") for name, files in zips.items() if name != "llm" for path in files)


def _unpacked(files: dict[str, str], into: Path) -> Path:
    for inside, source in files.items():
        target = into / inside
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(Path(source).read_bytes())
    return into


def test_every_package_imports_its_handler_on_its_own(zips, tmp_path):
    """-S: no site initialisation, so the editable install of agent_core is invisible; only the unpacked
    zip and the third-party libraries (as the Powertools layer and the runtime give them) are."""
    site_packages = sysconfig.get_paths()["purelib"]
    manifest = local_manifest()
    for name, files in zips.items():
        root = _unpacked(files, tmp_path / name)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": f"{root}{os.pathsep}{site_packages}",
            "AWS_REGION": "us-east-1",
            **manifest.environment(name),
        }
        code = f"import {name}.handler as h, agent_core, sys; assert agent_core.__file__.startswith({str(root)!r})"
        command = [sys.executable, "-S", "-c", code]
        result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"{name}: {result.stderr[-800:]}"
