"""The agents' web console (`web/`, an Angular build) served at `/`.

Files of the build are served as they are; any other path that is not a file (`/tickets`,
`/tickets/LUX-2026-000001`) gets `index.html`, so deep links load the app and its router takes
over. The API, Socket.IO, the docs and the health routes are matched before this catch-all, and
an unknown path under them stays the API's JSON 404. A missing build is a page saying how to
build it, not an error.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException

from gateway.errors import CONSOLE_PATH, allowed_methods

BUILD_SUBDIR = Path("web/dist/uts-console/browser")

# First path segments that are never the console's: unknown paths under them stay the API's 404.
RESERVED = frozenset(
    {"api", "socket.io", "docs", "redoc", "openapi.json", "asyncapi", "asyncapi.json"}
    | {"health", "ready", "metrics"}
)

NOT_BUILT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Web console not built</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>The web console is not built yet</h1>
<p><code>make run</code> builds it before starting the system. To build it by hand:</p>
<pre>cd web &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>then reload this page. The API is at <a href="/docs">/docs</a>.</p>
</body></html>
"""

# Angular's build names carry a content hash (`main-5GAEYZPA.js`): such a file never changes.
HASHED = re.compile(r"-[A-Z0-9]{8}\.[a-z0-9]+$")
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
REVALIDATE = {"Cache-Control": "no-cache"}


def default_build_dir() -> Path:
    """`web/dist/uts-console/browser` of the source checkout this package runs from."""
    return Path(__file__).resolve().parents[4] / BUILD_SUBDIR


def install(app: FastAPI, build_dir: Path | None) -> None:
    """Add the catch-all route; call after every other route is registered."""
    root = (build_dir or default_build_dir()).resolve()

    @app.api_route(CONSOLE_PATH, methods=["GET", "HEAD"], include_in_schema=False)
    async def console(path: str, request: Request) -> Response:
        if path.split("/", 1)[0] in RESERVED:
            allowed = allowed_methods(request)
            if allowed:  # a route of the API that takes other methods
                raise HTTPException(status_code=405, headers={"Allow": ", ".join(allowed)})
            raise HTTPException(status_code=404)
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers=REVALIDATE)
        if path:
            candidate = _file_in(root, path)
            if candidate is not None:
                headers = IMMUTABLE if HASHED.search(candidate.name) else REVALIDATE
                return FileResponse(candidate, headers=headers)
            if "." in path.rsplit("/", 1)[-1]:
                raise HTTPException(status_code=404)  # a missing file, not a screen
        return FileResponse(index, headers=REVALIDATE)


def _file_in(root: Path, path: str) -> Path | None:
    """The build's file at `path`, or None (outside the build, not a file, or a name no file
    can have, such as one with a NUL byte)."""
    try:
        candidate = (root / path).resolve()
        return candidate if candidate.is_relative_to(root) and candidate.is_file() else None
    except (OSError, ValueError):
        return None
