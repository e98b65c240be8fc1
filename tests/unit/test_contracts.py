"""Contract models: wire names, validation rules, reply envelope."""

import pytest
from pydantic import ValidationError

from uts_shared.contracts import config
from uts_shared.errors import DomainError, ErrorCode, NotFound


def test_wire_names_are_camel_case_and_python_names_snake_case() -> None:
    fmt = config.TicketIdFormat(prefix="LUX", pad_length=4)
    assert fmt.model_dump() == {
        "prefix": "LUX",
        "includeYear": True,
        "padLength": 4,
        "separator": "-",
    }
    assert config.TicketIdFormat.model_validate({"prefix": "X", "padLength": 2}).pad_length == 2


def test_duplicate_category_ids_are_rejected() -> None:
    with pytest.raises(ValidationError, match="duplicate category id 'x'"):
        config.CategoryList(categories=[{"id": "x", "label": "X"}, {"id": "x", "label": "Y"}])


def test_error_reply_round_trips_to_the_same_typed_error() -> None:
    info = NotFound("Ticket not found").info()
    err = DomainError.from_info(info)
    assert isinstance(err, NotFound)
    assert err.code is ErrorCode.NOT_FOUND
    assert err.http_status == 404
