"""An embedded document engine with MongoDB's semantics for the calls the stores make.

The default store when no MongoDB server is configured: documents and real secondary indexes
in LMDB (one environment per database, memory-mapped, every write one transaction), kept under
a directory, or in a private temporary one that goes with the process. One process owns a
directory.
"""

from uts_shared.embedded.aio import EmbeddedCollection, EmbeddedDatabase
from uts_shared.embedded.engine import Engine, reset_shared_engine, shared_engine
from uts_shared.embedded.storage import DamagedDocument, DataDirInUse

__all__ = [
    "DamagedDocument",
    "DataDirInUse",
    "EmbeddedCollection",
    "EmbeddedDatabase",
    "Engine",
    "reset_shared_engine",
    "shared_engine",
]
