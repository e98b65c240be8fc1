"""The console's API types are generated from the gateway's OpenAPI document, committed, current."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("openapi_types", ROOT / "scripts/openapi.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generator = _load_generator()


def _committed_copy(into: Path) -> Path:
    for path in (generator.DOCUMENT, generator.TYPES):
        (into / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(generator.WEB / path, into / path)
    return into


def test_committed_console_types_are_current_run_make_api_types_after_changing_the_api() -> None:
    assert generator.stale(generator.WEB) == [], "web/ types are stale: run `make api-types`"


def test_a_type_removed_from_the_generated_file_fails_the_check(tmp_path: Path) -> None:
    web = _committed_copy(tmp_path)
    types = web / generator.TYPES
    types.write_text(types.read_text().replace("createdByName: string | null;", "", 1))
    assert generator.stale(web) == [str(generator.TYPES)]


def test_a_route_missing_from_the_committed_document_fails_the_check(tmp_path: Path) -> None:
    web = _committed_copy(tmp_path)
    document = json.loads((web / generator.DOCUMENT).read_text())
    del document["paths"]["/api/v2/tickets/{ticket_id}/escalate"]
    (web / generator.DOCUMENT).write_text(generator.render(document))
    assert generator.stale(web) == [str(generator.DOCUMENT)]


def test_the_check_fails_naming_make_api_types_when_a_file_is_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    web = _committed_copy(tmp_path)
    (web / generator.TYPES).write_text("export interface paths {}\n")
    monkeypatch.setattr(generator, "WEB", web)
    assert generator.main(["scripts/openapi.py", "--check"]) == 1
    assert "make api-types" in capsys.readouterr().err
