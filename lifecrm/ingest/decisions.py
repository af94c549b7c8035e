"""The data team's decisions on refused files, made with `lifecrm landing skip|accept`.

A run is the warehouse's only writer (and publishes it whole), so a decision is not written into
the warehouse when it is made: it is kept as a small JSON file under `<data dir>/landing_decisions/`
and the next run applies it to the refusal it names, recording in `raw.load_manifest` what was
decided, why, by whom and when. A decision names the refused file by its sha256: a file that
changed since it was refused is not covered by a decision about its former content.

- `skip`: set the file aside for good (its rows are not loaded; the later batches of its export,
  which waited behind it, go on). For when the source re-sent the rows in a later batch, or the
  business accepts their loss.
- `accept`: load it anyway, optionally with header columns renamed (`rename`: delivered name ->
  contract name, for a renamed column); rows that break row rules are quarantined as usual, with
  no limit on their share.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lifecrm import settings

ACTIONS = ("skip", "accept")


@dataclass(frozen=True)
class Decision:
    file: str  # `<batch folder>/<export>.csv`, as the landing folder names it
    action: str  # skip | accept
    sha256: str  # of the refused file the decision is about
    reason: str
    by: str
    at: str  # ISO 8601, UTC
    rename: dict[str, str] = field(default_factory=dict)  # accept: delivered -> contract name

    @property
    def note(self) -> str:
        renames = ", ".join(f"{old} -> {new}" for old, new in self.rename.items())
        return self.reason + (f" (columns renamed: {renames})" if renames else "")


def decisions_dir() -> Path:
    return settings.data_dir() / "landing_decisions"


def _path_of(file: str) -> Path:
    return decisions_dir() / (file.replace("/", "__") + ".json")


def make(
    file: str, action: str, sha256: str, reason: str, by: str | None = None, rename=None
) -> Decision:
    if action not in ACTIONS:
        raise ValueError(f"unknown decision {action!r}: one of {', '.join(ACTIONS)}")
    if not reason.strip():
        raise ValueError("say why (--reason): the decision is kept with the file's history")
    return Decision(
        file=file,
        action=action,
        sha256=sha256,
        reason=reason.strip(),
        by=by or getpass.getuser(),
        at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        rename=dict(rename or {}),
    )


def write(decision: Decision) -> Path:
    """Keep a decision for the next run (atomically: a run never reads half a file)."""
    path = _path_of(decision.file)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    part.write_text(json.dumps(asdict(decision), indent=2) + "\n", encoding="utf-8")
    os.replace(part, path)
    return path


def read_all() -> dict[str, Decision]:
    """Every decision made, by the file it is about."""
    folder = decisions_dir()
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.glob("*.json")):
        try:
            decision = Decision(**json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{path}: not a landing decision ({exc}); delete it") from exc
        found[decision.file] = decision
    return found
