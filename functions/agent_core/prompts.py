"""Prompt files (``prompts/``): load a named prompt and render it with variables."""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from agent_core.paths import asset_dir


class PromptError(Exception):
    """A prompt is missing, or a variable it needs was not given."""


class _Template(string.Template):
    """Only ``${name}`` is a placeholder (and ``$$`` a literal ``$``): prices like $9.98 need no escaping."""

    pattern = r"""
    \$(?:
      (?P<escaped>\$) |
      \{(?P<braced>[a-z_][a-z0-9_]*)\} |
      (?P<named>(?!)) |
      (?P<invalid>(?!))
    )
    """


@dataclass(frozen=True)
class Prompt:
    name: str
    template: str
    max_new_tokens: int
    temperature: float
    stop: tuple[str, ...]

    def render(self, variables: Mapping[str, str]) -> str:
        try:
            return _Template(self.template).substitute(variables)
        except KeyError as missing:
            raise PromptError(f"prompt {self.name!r} needs variable {missing.args[0]!r}") from None


@cache
def prompt(name: str) -> Prompt:
    folder = asset_dir("prompts")
    manifest = json.loads((folder / "prompts.json").read_text(encoding="utf-8"))
    if name.startswith("$") or name not in manifest:
        raise PromptError(f"no prompt named {name!r} in {folder / 'prompts.json'}")
    entry = manifest[name]
    return Prompt(
        name=name,
        template=(folder / entry["template"]).read_text(encoding="utf-8"),
        max_new_tokens=int(entry["max_new_tokens"]),
        temperature=float(entry.get("temperature", 0.0)),
        stop=tuple(entry.get("stop", ())),
    )
