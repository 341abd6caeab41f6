"""Hypothesis profiles: CI is reproducible, a developer's machine explores.

- ``ci`` (when the environment variable CI is set, as ``.ci/run`` and GitHub Actions set it): a fixed
  derivation of examples from each test (``derandomize``) and no example database, so a run passes
  or fails the same way every time and a failure found once is not replayed from a local file.
- ``dev`` (otherwise): random exploration, failures kept in ``.hypothesis/`` and tried first next run.
"""

from __future__ import annotations

import os

from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
# Explicit, not inherited: Hypothesis's own default turns derandomize on when it detects CI.
settings.register_profile(
    "dev", derandomize=False, database=DirectoryBasedExampleDatabase(".hypothesis/examples"), print_blob=False
)


def chosen_profile(environ: os._Environ[str] | dict[str, str] = os.environ) -> str:
    return "ci" if environ.get("CI") else "dev"


def load() -> str:
    name = chosen_profile()
    settings.load_profile(name)
    return name
