"""The agents' web console (`web/`, an Angular build) served at `/`.

Files of the build are served as they are; any other path that is not a file (`/tickets`,
`/tickets/LUX-2026-000001`) gets `index.html`, so deep links load the app and its router takes
over. The API, Socket.IO, the docs and the health routes are matched before this catch-all, and
an unknown path under them stays the API's JSON 404. A missing build is a page saying how to
build it, not an error.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException

BUILD_SUBDIR = Path("web/dist/uts-console/browser")

# Never the console's: these stay the API's, even for paths no route knows.
RESERVED = ("api/", "socket.io", "docs", "redoc", "openapi.json", "asyncapi", "health", "ready")

NOT_BUILT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Web console not built</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>The web console is not built yet</h1>
<p><code>make run</code> builds it before starting the system. To build it by hand:</p>
<pre>cd web &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>then reload this page. The API is at <a href="/docs">/docs</a>.</p>
</body></html>
"""

# Angular's file names carry a content hash: they never change, cache them for a year.
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
REVALIDATE = {"Cache-Control": "no-cache"}


def default_build_dir() -> Path:
    """`web/dist/uts-console/browser` of the source checkout this package runs from."""
    return Path(__file__).resolve().parents[4] / BUILD_SUBDIR


def _is_hashed(name: str) -> bool:
    stem = name.rsplit(".", 1)[0]
    return "-" in stem and stem.rsplit("-", 1)[1].isalnum() and stem != "index"


def install(app: FastAPI, build_dir: Path | None) -> None:
    """Add the catch-all route; call after every other route is registered."""
    root = (build_dir or default_build_dir()).resolve()

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def console(path: str) -> Response:
        if path.startswith(RESERVED):
            raise HTTPException(status_code=404)
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers=REVALIDATE)
        if path:
            candidate = (root / path).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                headers = IMMUTABLE if _is_hashed(candidate.name) else REVALIDATE
                return FileResponse(candidate, headers=headers)
            if "." in path.rsplit("/", 1)[-1]:
                raise HTTPException(status_code=404)  # a missing file, not a screen
        return FileResponse(index, headers=REVALIDATE)
