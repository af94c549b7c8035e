"""The secret key that pseudonymises national IDs.

A customer is keyed by HMAC-SHA256(key, national ID). Taiwan's national IDs have about 5×10^8
valid values, so an unkeyed or publicly salted hash is reversed by hashing them all; a keyed HMAC
cannot be, by anyone without the key. The key never enters the repository, the compiled SQL or
dbt's artefacts: dbt receives it on each DuckDB connection (lifecrm/dbt_pii_plugin.py) and, on
Spark, as session configuration.

Where the key comes from:
- `LIFECRM_PII_KEY`, a secret of at least 32 characters: always, and the only way for real
  deliveries;
- for a simulated world, a key of its own that `lifecrm generate` writes with random bytes to
  `<data>/secrets/pii.key` (mode 0600, outside everything published).
Without either, nothing is pseudonymised: the error says which variable to set.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

KEY_ENV = "LIFECRM_PII_KEY"
MINIMUM_LENGTH = 32
# Values the project once shipped or documents as examples: a key anyone can read is no key.
PUBLIC_VALUES = frozenset({"lifecrm-development-salt"})
# What the warehouse records of its key (pii.pii_key_check): the HMAC of this text, which tells
# whether two builds used the same key and reveals nothing of it.
CHECK_TEXT = "lifecrm pseudonymisation key check"
# HMAC's pads (RFC 2104): the SQL engines have sha256 but no hmac, so they compute
# sha256(opad || sha256(ipad || message)) from these.
BLOCK_SIZE = 64
GENERATE_ONE = "python -c 'import secrets; print(secrets.token_hex(32))'"


class PiiKeyError(RuntimeError):
    """No usable pseudonymisation key."""


def key_file(data_dir: Path) -> Path:
    return data_dir / "secrets" / "pii.key"


def resolve(data_dir: Path) -> bytes:
    """The key: $LIFECRM_PII_KEY, else the simulated world's key file."""
    configured = os.environ.get(KEY_ENV)
    if configured is not None:
        if configured in PUBLIC_VALUES:
            raise PiiKeyError(f"{KEY_ENV} is a value published with lifecrm: choose a secret one")
        if len(configured) < MINIMUM_LENGTH:
            raise PiiKeyError(
                f"{KEY_ENV} has {len(configured)} characters: a key needs at least "
                f"{MINIMUM_LENGTH} (e.g. {GENERATE_ONE})"
            )
        return configured.encode()
    path = key_file(data_dir)
    if not path.is_file():
        raise PiiKeyError(
            f"{KEY_ENV} is not set: lifecrm keys customers by an HMAC of their national ID and "
            f"needs a secret of at least {MINIMUM_LENGTH} characters to do it (e.g. "
            f"`export {KEY_ENV}=$({GENERATE_ONE})`, kept in your secret store). Only a "
            f"simulated world made by `lifecrm generate` has a key of its own ({path} does not "
            "exist)"
        )
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PiiKeyError(
            f"{path} can be read by others (mode {stat.S_IMODE(path.stat().st_mode):o}): "
            f"`chmod 600 {path}`, or set {KEY_ENV}"
        )
    return path.read_bytes().strip()


def create_simulated_world_key(data_dir: Path) -> Path:
    """A random key of the simulated world's own, kept if it exists (its warehouse uses it)."""
    path = key_file(data_dir)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_hex(32) + "\n")
    return path


def pads(key: bytes) -> tuple[bytes, bytes]:
    """(inner, outer) pad of HMAC-SHA256 for this key."""
    if len(key) > BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK_SIZE, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def person_key(key: bytes, national_id: str) -> str:
    """The customer_key the warehouse gives this national ID (dbt/macros/pseudonymise.sql)."""
    return hmac.new(key, national_id.encode(), hashlib.sha256).hexdigest()


def check_value(key: bytes) -> str:
    return person_key(key, CHECK_TEXT)


# Spark has no per-connection hook: its session configuration carries the pads, which the
# spark target's profile reads from these variables and its SQL from `${spark.lifecrm.*}`.
SPARK_PAD_ENV = {"inner": "LIFECRM_PII_SPARK_IPAD", "outer": "LIFECRM_PII_SPARK_OPAD"}


def export_spark_pads(data_dir: Path) -> None:
    """Put the key's pads where the spark target's profile reads them (this process's dbt)."""
    inner, outer = pads(resolve(data_dir))
    os.environ[SPARK_PAD_ENV["inner"]] = inner.hex()
    os.environ[SPARK_PAD_ENV["outer"]] = outer.hex()
