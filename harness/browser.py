"""The headless browser the console's test, screenshot and measurements use: a Chromium already on this
machine (Debian's ``chromium`` package, which ``make test`` installs through ``.ci/install-chromium``
when it can), driven by Playwright. Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from typing import Any

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = (
    "install Debian's chromium package (`apt-get install -y chromium`, which `make test` does when run "
    "as root), or name a Chromium or Chrome binary in the CHROMIUM environment variable"
)


class NoBrowser(RuntimeError):
    """No Chromium on this machine."""


def find_chromium() -> str | None:
    """The Chromium to drive: ``$CHROMIUM`` if set, else the first of ``NAMES`` on PATH."""
    named = os.environ.get("CHROMIUM")
    if named:
        return shutil.which(named) or (named if os.access(named, os.X_OK) else None)
    return next((found for name in NAMES if (found := shutil.which(name))), None)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (a Playwright ``Browser``) for the length of the block."""
    executable = find_chromium()
    if executable is None:
        raise NoBrowser(f"no Chromium found: {INSTALL_HINT}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield browser
        finally:
            browser.close()
