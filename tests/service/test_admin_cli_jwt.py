"""`uts-admin jwt rotate`: a new signing key in the data directory, the old one kept for
verifying, read back as `make run` passes them to the gateways; agents stay signed in."""

from __future__ import annotations

import importlib.util
import stat
from pathlib import Path
from types import ModuleType

import jwt

from gateway.auth import ISSUER, key_id
from tests.support.admin_cli import admin, one_line_error
from tests.support.gateway_app import PASSWORD, gateway_app
from uts_shared.mongo import private_database

ROOT = Path(__file__).resolve().parents[2]
OLD = "the-key-make-run-wrote-first-at-least-32-bytes"


def _run_local() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_local", ROOT / "deploy/run_local.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _data_dir(tmp_path: Path) -> Path:
    (tmp_path / "jwt-secret").write_text(OLD + "\n")
    return tmp_path


async def _rotate(data_dir: Path, *args: str) -> str:
    result = await admin("jwt", "rotate", *args, UTS_DATA_DIR=data_dir)
    assert result.exit_code == 0, result.output
    return result.stdout


async def test_rotate_writes_a_new_key_and_keeps_the_old_one_for_verifying(tmp_path: Path) -> None:
    data_dir = _data_dir(tmp_path)

    shown = await _rotate(data_dir)

    new = (data_dir / "jwt-secret").read_text().strip()
    assert new != OLD and len(new) >= 32
    assert (data_dir / "jwt-previous-secrets").read_text() == OLD + "\n"
    for name in ("jwt-secret", "jwt-previous-secrets"):
        assert stat.S_IMODE((data_dir / name).stat().st_mode) == 0o600
    assert f"new signing key {key_id(new)}" in shown and f"old key {key_id(OLD)}" in shown
    assert new not in shown and OLD not in shown
    assert "restart the gateways" in shown


async def test_rotate_keeps_only_the_newest_previous_keys(tmp_path: Path) -> None:
    data_dir = _data_dir(tmp_path)
    seen = [OLD]
    for _ in range(3):
        await _rotate(data_dir, "--keep", "2")
        seen.append((data_dir / "jwt-secret").read_text().strip())

    assert (data_dir / "jwt-previous-secrets").read_text().split() == [seen[2], seen[1]]


async def test_agents_stay_signed_in_across_a_rotation_and_new_tokens_name_the_new_key(
    tmp_path: Path,
) -> None:
    data_dir = _data_dir(tmp_path)
    run_local = _run_local()
    database = private_database("uts_gateway")
    async with gateway_app(database, jwt_secret=run_local._kept_secret(data_dir)) as before:
        agent = await before.agent()
        async with before.client() as api:
            login = {"email": agent.email, "password": PASSWORD}
            old_token = (await api.post("/auth/login", json=login)).json()["token"]
    assert jwt.get_unverified_header(old_token)["kid"] == key_id(OLD)

    await _rotate(data_dir)
    new = run_local._kept_secret(data_dir)
    previous = run_local._kept_previous_secrets(data_dir)
    assert previous == OLD

    async with (
        gateway_app(database, jwt_secret=new, jwt_previous_secrets=previous) as after,
        after.client() as api,
    ):
        me = await api.get("/auth/me", headers={"Authorization": f"Bearer {old_token}"})
        assert me.status_code == 200, me.text
        new_token = (await api.post("/auth/login", json=login)).json()["token"]
        assert jwt.get_unverified_header(new_token)["kid"] == key_id(new)
        claims = jwt.decode(new_token, new, algorithms=["HS256"], issuer=ISSUER)
        unknown = jwt.encode(claims, new, headers={"kid": key_id("a-key-nobody-holds-" * 2)})
        refused = await api.get("/auth/me", headers={"Authorization": f"Bearer {unknown}"})
        assert refused.status_code == 401

    # Once the old key is dropped (after JWT_EXPIRES_MINUTES), its tokens are refused.
    async with gateway_app(database, jwt_secret=new) as dropped, dropped.client() as api:
        gone = await api.get("/auth/me", headers={"Authorization": f"Bearer {old_token}"})
        assert gone.status_code == 401


async def test_rotate_refuses_in_one_line_where_the_key_is_not_in_files(tmp_path: Path) -> None:
    cases: list[tuple[dict[str, str | Path], str]] = [
        ({"UTS_DATA_DIR": _data_dir(tmp_path), "JWT_SECRET": OLD}, "JWT_PREVIOUS_SECRETS"),
        ({}, "UTS_DATA_DIR is not set"),
        ({"UTS_DATA_DIR": tmp_path / "elsewhere"}, "no jwt-secret in"),
    ]
    for env, says in cases:
        result = await admin("jwt", "rotate", **env)

        assert result.exit_code == 1, env
        assert says in one_line_error(result)
    assert (tmp_path / "jwt-secret").read_text().strip() == OLD  # nothing written
    assert not (tmp_path / "jwt-previous-secrets").exists()
