"""What a service's MongoDB client defaults to on a server: majority writes, retryable writes,
the read preference MONGODB_READ_PREFERENCE names; what MONGODB_URL says itself wins."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pymongo import ReadPreference, WriteConcern

from uts_shared.mongo import open_database, server_options
from uts_shared.settings import ServiceSettings

REPLICA_SET = "mongodb://db-0.db,db-1.db,db-2.db/?replicaSet=rs0"


async def test_a_server_database_writes_to_a_majority_retries_writes_and_reads_where_told() -> None:
    database = open_database(REPLICA_SET, "uts", read_preference="primaryPreferred")
    client = database.client  # type: ignore[attr-defined]
    try:
        assert client.write_concern == WriteConcern(w="majority")
        assert client.options.retry_writes is True
        assert client.read_preference == ReadPreference.PRIMARY_PREFERRED
    finally:
        await client.close()


def test_options_the_url_names_itself_win() -> None:
    assert server_options(REPLICA_SET + "&w=1&readPreference=nearest", "secondary") == {
        "retryWrites": True
    }
    assert server_options(REPLICA_SET, "primary") == {
        "w": "majority",
        "retryWrites": True,
        "readPreference": "primary",
    }


def test_the_read_preference_setting_takes_only_mongodb_s_modes() -> None:
    assert ServiceSettings(mongodb_read_preference="nearest").mongodb_read_preference == "nearest"
    with pytest.raises(ValidationError, match="mongodb_read_preference"):
        ServiceSettings(mongodb_read_preference="closest")  # type: ignore[arg-type]
