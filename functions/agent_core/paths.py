"""Where the files shipped beside the code live.

In a Lambda package, ``agent_core/`` sits at the zip root next to ``prompts/``; in the repository,
``functions/agent_core/`` sits one level below the top-level ``prompts/``.
"""

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def asset_dir(name: str) -> Path:
    for root in (_PACKAGE_DIR.parent, _PACKAGE_DIR.parent.parent):
        candidate = root / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"folder {name!r} not found beside {_PACKAGE_DIR}")


def package_file(name: str) -> Path:
    return _PACKAGE_DIR / name
