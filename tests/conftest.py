"""Fixtures: local agents (the real ASL and handlers on moto), one open at a time."""

from __future__ import annotations

import pytest

import hypothesis_profiles

hypothesis_profiles.load()


class AgentPool:
    """One local agent open at a time (moto and the Lambda routing are process-wide), reused while
    tests ask for the same configuration, replaced when they ask for another."""

    def __init__(self):
        self._key = None
        self._agent = None

    def get(self, llm="offline", **options):
        from harness.runtime import LocalAgent

        key = (str(llm), tuple(sorted(options.items())))
        if key != self._key:
            self.close()
            self._agent = LocalAgent(llm, **options).__enter__()
            self._key = key
        return self._agent

    def close(self):
        if self._agent is not None:
            self._agent.__exit__(None, None, None)
        self._agent, self._key = None, None


@pytest.fixture(scope="module")
def agents():
    pool = AgentPool()
    yield pool
    pool.close()


@pytest.fixture
def offline_agent(agents):
    return agents.get("offline")


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="also run the slow profile (more examples, longer runs)")


def pytest_configure(config):
    if config.getoption("--slow"):
        import os

        os.environ["HYPOTHESIS_SLOW"] = "1"  # tests/test_properties.py: 10,000 examples per property


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow profile: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def log_group(agents, monkeypatch):
    """The state machine's log group on moto's CloudWatch Logs (a logs client, the group created)."""
    import boto3
    from moto import mock_aws

    from support import EXPRESS_LOG_GROUP

    agents.close()  # moto's state is process-wide: no local agent's deployment beside this log group
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        logs = boto3.client("logs", region_name="us-east-1")
        logs.create_log_group(logGroupName=EXPRESS_LOG_GROUP)
        yield logs
