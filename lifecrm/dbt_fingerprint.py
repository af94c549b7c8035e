"""What a dbt manifest was parsed from, so that a run parses again only when that changed.

`lifecrm run` plans from the dbt models as they are. Parsing costs a dbt process (about 13 s
here, partial parsing or not), so the manifest is kept with a fingerprint of its inputs: the
content of every file of the project's dbt paths, the profiles, the environment variables those
files read, the dbt target and dbt's version. A run whose fingerprint matches the stored one
reuses the manifest.
"""

from __future__ import annotations

import hashlib
import os
import re
from importlib.metadata import version
from pathlib import Path

import yaml

# dbt's defaults for the paths dbt_project.yml does not set
DEFAULT_PATHS = {
    "model-paths": ["models"],
    "seed-paths": ["seeds"],
    "macro-paths": ["macros"],
    "snapshot-paths": ["snapshots"],
    "test-paths": ["tests"],
    "analysis-paths": ["analyses"],
    "docs-paths": [],
}
ENV_VAR_CALL = re.compile(r"""env_var\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]""")


def parse_inputs(project_dir: Path, profiles_dir: Path) -> list[Path]:
    """Every file dbt reads when it parses the project."""
    config = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    files = [project_dir / "dbt_project.yml", profiles_dir / "profiles.yml"]
    for key, default in DEFAULT_PATHS.items():
        for folder in config.get(key, default) or default:
            root = project_dir / folder
            if root.is_dir():
                files += sorted(path for path in root.rglob("*") if path.is_file())
    return files


def fingerprint(project_dir: Path, profiles_dir: Path, target: str) -> str:
    digest = hashlib.sha256(f"dbt-core {version('dbt-core')}, target {target}\n".encode())
    env_vars: set[str] = set()
    for path in parse_inputs(project_dir, profiles_dir):
        content = path.read_bytes()
        digest.update(f"{path.relative_to(project_dir)}\0{len(content)}\0".encode())
        digest.update(content)
        env_vars.update(ENV_VAR_CALL.findall(content.decode("utf-8", errors="replace")))
    for name in sorted(env_vars):
        digest.update(f"{name}={os.environ.get(name)!r}\n".encode())
    return digest.hexdigest()


def fingerprint_path(manifest_path: Path) -> Path:
    return manifest_path.with_name("manifest.fingerprint")


def is_current(manifest_path: Path, current: str) -> bool:
    """Whether `manifest_path` exists and was parsed from inputs with this fingerprint."""
    stored = fingerprint_path(manifest_path)
    return manifest_path.exists() and stored.exists() and stored.read_text() == current


def record(manifest_path: Path, current: str) -> None:
    fingerprint_path(manifest_path).write_text(current)
