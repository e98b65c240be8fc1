"""Passwords and bearer tokens of the gateway (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from argon2 import PasswordHasher

from gateway.auth import ISSUER, Agent, Passwords, Role, Tokens, key_id, resolve_secret
from uts_shared.errors import Unauthorized

SECRET = "unit-test-secret-that-is-at-least-32-bytes-long"
ALICE = Agent(
    id="a1", email="alice@example.com", first_name="Alice", last_name="Liddell", role=Role.AGENT
)
# Cheap parameters keep the suite fast; production uses argon2-cffi's defaults.
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def test_password_hash_verifies_only_the_same_password() -> None:
    passwords = Passwords(FAST)
    hashed = passwords.hash_sync("correct horse")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert passwords.verify_sync(hashed, "correct horse")
    assert not passwords.verify_sync(hashed, "wrong horse")


def test_same_password_hashes_differently_each_time() -> None:
    passwords = Passwords(FAST)
    assert passwords.hash_sync("same") != passwords.hash_sync("same")


def test_garbage_hash_is_a_failed_verification_not_an_error() -> None:
    assert not Passwords(FAST).verify_sync("not-a-hash", "anything")


def test_weaker_hash_parameters_ask_for_a_rehash() -> None:
    old = Passwords(FAST).hash_sync("pw")
    assert Passwords().needs_rehash(old)


async def test_async_hash_and_verify_run_off_the_loop() -> None:
    passwords = Passwords(FAST)
    hashed = await passwords.hash("pw-123456")
    assert await passwords.verify(hashed, "pw-123456")
    await passwords.burn("anything")  # the unknown-account path: same work, no result


def test_token_round_trip_carries_id_name_and_role() -> None:
    tokens = Tokens(SECRET, expires_minutes=60)
    assert tokens.verify(tokens.issue(ALICE)) == ALICE


def test_token_claims_expire_after_the_configured_minutes() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    token = Tokens(SECRET, expires_minutes=15, clock=lambda: now).issue(ALICE)
    claims = jwt.decode(
        token, SECRET, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False}
    )
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert claims["iss"] == ISSUER and claims["sub"] == "a1" and claims["role"] == "agent"


def test_expired_token_is_refused_as_expired() -> None:
    issued = datetime.now(UTC) - timedelta(hours=2)
    token = Tokens(SECRET, expires_minutes=60, clock=lambda: issued).issue(ALICE)
    with pytest.raises(Unauthorized, match="Token expired"):
        Tokens(SECRET, expires_minutes=60).verify(token)


def test_token_signed_with_another_secret_is_invalid() -> None:
    token = Tokens("another-secret-of-at-least-thirty-two-bytes!", expires_minutes=5).issue(ALICE)
    with pytest.raises(Unauthorized, match="Invalid token"):
        Tokens(SECRET, expires_minutes=5).verify(token)


def test_tampered_token_is_invalid() -> None:
    token = Tokens(SECRET, expires_minutes=5).issue(ALICE)
    header, _payload, signature = token.split(".")
    forged = jwt.encode(
        {"sub": "a1", "role": "admin", "iss": ISSUER, "iat": 0, "exp": 2**40},
        "a-guessed-secret-that-is-32-bytes-long",
    ).split(".")[1]
    with pytest.raises(Unauthorized, match="Invalid token"):
        Tokens(SECRET, expires_minutes=5).verify(f"{header}.{forged}.{signature}")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-jwt",
        jwt.encode({"sub": "a1", "role": "admin", "iss": ISSUER}, SECRET),  # no exp / iat
        jwt.encode({"sub": "a1", "role": "root", "iss": ISSUER, "iat": 0, "exp": 2**40}, SECRET),
        jwt.encode({"sub": "a1", "role": "admin", "iss": "other", "iat": 0, "exp": 2**40}, SECRET),
        jwt.encode(
            {"sub": "a1", "role": "admin", "iss": ISSUER, "iat": 0, "exp": 2**40}, None, "none"
        ),
    ],
    ids=["empty", "garbage", "no-expiry", "unknown-role", "other-issuer", "alg-none"],
)
def test_malformed_or_unsigned_tokens_are_invalid(token: str) -> None:
    with pytest.raises(Unauthorized, match="Invalid token"):
        Tokens(SECRET, expires_minutes=5).verify(token)


OLD_SECRET = "the-key-before-the-rotation-at-least-32-bytes"


def test_new_tokens_name_the_current_key_by_a_hash_never_the_key() -> None:
    tokens = Tokens(SECRET, previous=[OLD_SECRET], expires_minutes=5)
    header = jwt.get_unverified_header(tokens.issue(ALICE))

    assert header["kid"] == key_id(SECRET) == tokens.key_id
    assert key_id(OLD_SECRET) != key_id(SECRET)
    assert SECRET not in header["kid"] and len(header["kid"]) == 16


def test_a_token_signed_with_a_previous_key_still_verifies_after_a_rotation() -> None:
    before = Tokens(OLD_SECRET, expires_minutes=5).issue(ALICE)
    rotated = Tokens(SECRET, previous=[OLD_SECRET], expires_minutes=5)

    assert rotated.verify(before) == ALICE
    with pytest.raises(Unauthorized, match="Invalid token"):  # once the old key is dropped
        Tokens(SECRET, expires_minutes=5).verify(before)


def test_a_previous_key_never_signs() -> None:
    token = Tokens(SECRET, previous=[OLD_SECRET], expires_minutes=5).issue(ALICE)

    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, OLD_SECRET, algorithms=["HS256"], options={"verify_exp": False})


def test_a_token_naming_an_unknown_key_is_invalid() -> None:
    claims = {"sub": "a1", "role": "admin", "iss": ISSUER, "iat": 0, "exp": 2**40}
    # Signed with the current key, yet naming another: refused (no key is tried in its place).
    token = jwt.encode(claims, SECRET, headers={"kid": "0123456789abcdef"})

    with pytest.raises(Unauthorized, match="Invalid token"):
        Tokens(SECRET, previous=[OLD_SECRET], expires_minutes=5).verify(token)


def test_a_token_without_a_key_id_verifies_against_the_current_key_only() -> None:
    now = datetime.now(UTC)
    claims = {"sub": "a1", "role": "agent", "iss": ISSUER, "iat": now, "exp": now + timedelta(1)}
    rotated = Tokens(SECRET, previous=[OLD_SECRET], expires_minutes=5)

    assert rotated.verify(jwt.encode(claims, SECRET)).id == "a1"
    with pytest.raises(Unauthorized, match="Invalid token"):
        rotated.verify(jwt.encode(claims, OLD_SECRET))


def test_missing_secret_becomes_a_random_one_per_process() -> None:
    first, second = resolve_secret(None), resolve_secret("")
    assert len(first) >= 32 and first != second
    assert resolve_secret(SECRET) == SECRET


def test_a_verified_token_is_remembered_but_still_expires() -> None:
    now = datetime.now(UTC)
    clock = {"now": now}
    tokens = Tokens(SECRET, expires_minutes=1, clock=lambda: clock["now"])
    token = tokens.issue(ALICE)
    assert tokens.verify(token).id == ALICE.id
    assert tokens.verify(token).id == ALICE.id  # second time from the cache
    clock["now"] = now + timedelta(minutes=2)
    with pytest.raises(Unauthorized):
        tokens.verify(token)
