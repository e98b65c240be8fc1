"""The console's API types, generated from the gateway's OpenAPI document.

`make api-types` writes `web/openapi.json` (the document as `/openapi.json` serves it, built in
process: no service, broker or database runs; keys sorted) and `web/src/app/core/api.gen.ts`
(openapi-typescript's types of it, the version pinned in `web/package-lock.json`).
`--check` regenerates both into a temporary directory and names each committed file that
differs; the unit suite runs the same check, so stale types fail `make test`.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"
DOCUMENT = Path("openapi.json")
TYPES = Path("src/app/core/api.gen.ts")
"""Both relative to the console's directory (`web/`)."""
GENERATOR = WEB / "node_modules/.bin/openapi-typescript"
REGENERATE = "run `make api-types` and commit the result"


def openapi_document() -> dict[str, Any]:
    """The gateway's OpenAPI document, from its app built in memory (never started)."""
    from gateway.main import create_app
    from gateway.settings import GatewaySettings
    from uts_shared.mongo import private_database

    # Fixed settings: the document must not depend on the environment it is generated in.
    settings = GatewaySettings(jwt_secret="openapi-document-only-" + "x" * 32, cors_origins=[])
    asgi = create_app(settings, database=private_database("uts_gateway"))
    document: dict[str, Any] = asgi.other_asgi_app.openapi()
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(web: Path) -> None:
    """Write the document and the types generated from it under `web`."""
    (web / DOCUMENT).write_text(render(openapi_document()))
    (web / TYPES).parent.mkdir(parents=True, exist_ok=True)
    if not GENERATOR.exists():
        raise SystemExit(f"{GENERATOR.relative_to(ROOT)} is missing: run `make web` (npm ci)")
    # The document marks what answers always carry as required; a default alone makes nothing
    # required (a request body may leave such a field out).
    options = ["--default-non-nullable", "false"]
    subprocess.run(
        [str(GENERATOR), str(web / DOCUMENT), "--output", str(web / TYPES), *options],
        check=True,
        capture_output=True,
        text=True,
    )


@functools.cache
def generated() -> dict[Path, str]:
    """What `make api-types` would write now: each file's text by its path under `web/`."""
    with tempfile.TemporaryDirectory() as scratch:
        write(Path(scratch))
        return {path: (Path(scratch) / path).read_text() for path in (DOCUMENT, TYPES)}


def stale(web: Path) -> list[str]:
    """The generated files under `web` that differ from what `make api-types` writes now."""
    return [
        str(path)
        for path, text in generated().items()
        if not (web / path).exists() or (web / path).read_text() != text
    ]


def main(argv: list[str]) -> int:
    if argv[1:] == ["--check"]:
        outdated = stale(WEB)
        if outdated:
            print(f"stale in web/: {', '.join(outdated)}: {REGENERATE}", file=sys.stderr)
            return 1
        return 0
    if argv[1:]:
        print("usage: scripts/openapi.py [--check]", file=sys.stderr)
        return 2
    write(WEB)
    print(f"wrote web/{DOCUMENT} and web/{TYPES}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
