"""`uts-admin jwt …`: rotating the key that signs the agents' tokens without logging anybody out.

Tokens carry the `kid` of the key that signed them (a short hash, never the key). A gateway signs
with its current key (JWT_SECRET) and verifies with it and with the keys rotated out
(JWT_PREVIOUS_SECRETS), so the tokens issued before a rotation keep working until they expire.

`rotate` is for keys kept in the data directory (`make run`, which reads `jwt-secret` and
`jwt-previous-secrets` there when it starts the gateways): it writes a new current key and moves
the old one to the front of the previous ones. Gateways pick it up when restarted. With keys in
the environment there is no file to write: set JWT_SECRET to a new key and JWT_PREVIOUS_SECRETS
to the old one, restart the gateways one by one, and drop the old key JWT_EXPIRES_MINUTES later.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer

from gateway.auth import key_id
from gateway.cli.common import fail, guarded, settings

app = typer.Typer(
    help="The key that signs the agents' tokens (kept in UTS_DATA_DIR by make run).",
    no_args_is_help=True,
)

SECRET_FILE = "jwt-secret"
"""The current key, as `deploy/run_local.py` keeps it."""
PREVIOUS_FILE = "jwt-previous-secrets"
"""Keys rotated out, one a line, newest first (run_local passes them as JWT_PREVIOUS_SECRETS)."""

ENV_PROCEDURE = (
    "set JWT_SECRET to a new random key (e.g. `openssl rand -hex 32`) and JWT_PREVIOUS_SECRETS "
    "to the old one, restart the gateways one by one, and remove the old key from "
    "JWT_PREVIOUS_SECRETS after JWT_EXPIRES_MINUTES"
)


def new_secret() -> str:
    return secrets.token_hex(32)


def _write(path: Path, text: str) -> None:
    """Replace `path` with `text` at once, readable by its owner only."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(temporary, path)


def read_previous(data_dir: Path) -> list[str]:
    path = data_dir / PREVIOUS_FILE
    if not path.exists():
        return []
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def rotate_files(data_dir: Path, *, keep: int, secret: str | None = None) -> tuple[str, str]:
    """Make `secret` (a new random key by default) the current key in `data_dir` and the old one
    the newest previous key, keeping at most `keep` previous keys; the old and new key ids."""
    current_path = data_dir / SECRET_FILE
    old = current_path.read_text().strip()
    new = secret or new_secret()
    previous = [old, *(key for key in read_previous(data_dir) if key not in (old, new))][:keep]
    # The previous keys first: cut off in between, the old key is still current and listed.
    _write(data_dir / PREVIOUS_FILE, "".join(f"{key}\n" for key in previous))
    _write(current_path, new + "\n")
    return key_id(old), key_id(new)


@app.command()
@guarded
def rotate(
    keep: Annotated[
        int,
        typer.Option(
            min=0,
            help="Previous keys kept for verifying (the old one first); older ones are dropped.",
        ),
    ] = 2,
) -> None:
    """Sign new tokens with a new key; the old one still verifies the tokens it signed.

    Writes UTS_DATA_DIR/jwt-secret and jwt-previous-secrets, which make run reads when it starts
    the gateways: restart them (one by one where there are several) to use the new key."""
    config = settings()
    if config.jwt_secret is not None:
        fail(f"JWT_SECRET is set, so the key is not kept in UTS_DATA_DIR: {ENV_PROCEDURE}")
    if config.data_dir is None:
        fail(
            "UTS_DATA_DIR is not set: set it to the directory make run keeps its data in "
            f"(var/data). With keys in the environment: {ENV_PROCEDURE}"
        )
    if not (config.data_dir / SECRET_FILE).is_file():
        fail(
            f"no {SECRET_FILE} in {config.data_dir}: UTS_DATA_DIR must be the directory make run "
            "keeps its data in (it writes the key when it first starts)"
        )
    old, new = rotate_files(config.data_dir, keep=keep)
    typer.echo(f"new signing key {new} in {config.data_dir / SECRET_FILE}")
    if keep:
        typer.echo(
            f"old key {old} kept in {config.data_dir / PREVIOUS_FILE}: it verifies the tokens it "
            f"signed until they expire ({config.jwt_expires_minutes} minutes)"
        )
    else:
        typer.echo(f"old key {old} dropped: its tokens stop working when the gateways restart")
    typer.echo(
        "restart the gateways (make run: stop it and start it again) to sign with the new key"
    )
