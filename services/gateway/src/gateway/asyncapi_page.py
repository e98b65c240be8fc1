"""The AsyncAPI document as one self-contained HTML page (no script, no CDN: works offline).

Operations grouped by server (the broker, Socket.IO), each with its address, description, and
the schemas of its message and reply, expandable; `/asyncapi.json` stays the full document.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any
from urllib.parse import unquote

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1f2937}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #e5e7eb}
section{border:1px solid #e5e7eb;border-radius:.5rem;padding:.75rem 1rem;margin:.75rem 0}
code{background:#f3f4f6;padding:0 .25rem;border-radius:.25rem}.verb{font-weight:600;
text-transform:uppercase;font-size:.75rem;color:#4f46e5;margin-right:.5rem}
pre{background:#f9fafb;padding:.75rem;overflow:auto;font-size:.8rem}
"""


def _resolve(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[unquote(part).replace("~1", "/").replace("~0", "~")]
    return node if isinstance(node, dict) else {}


def _message(doc: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    message = _resolve(doc, ref["$ref"])
    return _resolve(doc, message["$ref"]) if "$ref" in message else message


def _schema_block(doc: dict[str, Any], label: str, message: dict[str, Any]) -> str:
    payload = message.get("payload", {})
    name = payload.get("$ref", "").rsplit("/", 1)[-1] or message.get("title", "")
    schema = _resolve(doc, payload["$ref"]) if "$ref" in payload else payload
    body = escape(json.dumps(schema, indent=2, sort_keys=True))
    summary = f"<summary>{label}: <code>{escape(name)}</code></summary>"
    return f"<details>{summary}<pre>{body}</pre></details>"


def _operation(doc: dict[str, Any], key: str, op: dict[str, Any]) -> str:
    channel = _resolve(doc, op["channel"]["$ref"])
    address = channel.get("address") or key
    parts = [
        f'<section id="{escape(key)}"><span class="verb">{escape(op.get("action", ""))}</span>'
        f"<code>{escape(str(address))}</code>"
    ]
    description = channel.get("description") or op.get("description") or op.get("title")
    if description:
        parts.append(f"<p>{escape(str(description))}</p>")
    for ref in op.get("messages", []):
        parts.append(_schema_block(doc, "message", _message(doc, ref)))
    reply = op.get("reply")
    if reply:
        for ref in reply.get("messages", []):
            parts.append(_schema_block(doc, "reply", _resolve(doc, ref["$ref"])))
    parts.append("</section>")
    return "".join(parts)


def _server_of(doc: dict[str, Any], op: dict[str, Any]) -> str:
    channel = _resolve(doc, op["channel"]["$ref"])
    servers = channel.get("servers") or [{"$ref": "#/servers/development"}]
    return str(servers[0]["$ref"]).rsplit("/", 1)[-1]


def render(doc: dict[str, Any]) -> str:
    info = doc.get("info", {})
    title = escape(str(info.get("title", "AsyncAPI")))
    by_server: dict[str, list[str]] = {}
    for key in sorted(doc.get("operations", {})):
        op = doc["operations"][key]
        by_server.setdefault(_server_of(doc, op), []).append(_operation(doc, key, op))
    sections = []
    for server, operations in by_server.items():
        spec = doc.get("servers", {}).get(server, {})
        where = f"{spec.get('protocol', '')}://{spec.get('host', '')}{spec.get('pathname', '')}"
        sections.append(
            f"<h2>{escape(server)} <small><code>{escape(where)}</code></small></h2>"
            f"<p>{escape(str(spec.get('description', '')))}</p>" + "".join(operations)
        )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}</style></head><body><h1>{title}</h1>"
        f"<p>AsyncAPI {escape(str(doc.get('asyncapi', '')))}, version "
        f"{escape(str(info.get('version', '')))}: the whole document is "
        f'<a href="asyncapi.json">asyncapi.json</a>.</p>{"".join(sections)}</body></html>'
    )
