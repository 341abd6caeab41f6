"""The repository's own tooling is wired: pre-commit hooks, the CI workflow, licence, guides."""

from __future__ import annotations

import os
import subprocess

import yaml

from support import REPO


def test_pre_commit_runs_ruff_terraform_fmt_and_checkov():
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff", "ruff-format", "terraform-fmt", "checkov"} <= set(hooks)
    assert "--skip-download" in hooks["checkov"]["args"]
    command = hooks["terraform-fmt"]["entry"].split()
    assert command == [".venv/bin/agent", "fmt", "--check"]
    result = subprocess.run([str(REPO / command[0]), *command[1:]], cwd=REPO, capture_output=True, check=False)
    assert result.returncode == 0, result.stdout


def test_the_ci_workflow_runs_what_ci_runs():
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text())
    steps = workflow["jobs"]["test"]["steps"]
    assert any(step.get("run") == "bash .ci/run" for step in steps)
    assert "make test" in (REPO / ".ci" / "run").read_text()
    assert set(workflow["jobs"]["test"]["strategy"]["matrix"]["python"]) >= {"3.11", "3.13"}


def test_licence_and_guides_exist():
    assert (REPO / "LICENSE").read_text().startswith("MIT No Attribution")
    assert "docs/extending.md" in (REPO / "CONTRIBUTING.md").read_text()
    assert "## Adding a tool" in (REPO / "docs" / "extending.md").read_text()
    assert (REPO / "data" / "eval" / "LICENSE-CC-BY-3.0.txt").exists()
    assert (REPO / "data" / "eval" / "LICENSE-CDLA-Sharing-1.0.txt").exists()


def test_ci_runs_a_fixed_derivation_and_local_runs_explore():
    """The profile tests/conftest.py loads: "ci" when CI is set (.ci/run, GitHub Actions), else "dev"."""
    from hypothesis import settings as hypothesis_settings

    import hypothesis_profiles

    assert hypothesis_profiles.chosen_profile({"CI": "true"}) == "ci"
    assert hypothesis_profiles.chosen_profile({}) == "dev"
    ci = hypothesis_settings.get_profile("ci")
    assert ci.derandomize is True and ci.database is None
    dev = hypothesis_settings.get_profile("dev")
    assert dev.derandomize is False and dev.database is not None
    expected = "ci" if os.environ.get("CI") else "dev"
    assert hypothesis_settings._current_profile == expected
