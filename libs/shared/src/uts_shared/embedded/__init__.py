"""An embedded document engine with MongoDB's semantics for the calls the stores make.

The default store when no MongoDB server is configured: in memory, with real secondary indexes
(equality postings and ordered entries a query can walk), and, given a directory, kept on disk
(a journal written before each call returns, plus snapshots). One process owns a directory.
"""

from uts_shared.embedded.aio import EmbeddedCollection, EmbeddedDatabase
from uts_shared.embedded.engine import Engine, reset_shared_engine, shared_engine
from uts_shared.embedded.journal import DataDirInUse

__all__ = [
    "DataDirInUse",
    "EmbeddedCollection",
    "EmbeddedDatabase",
    "Engine",
    "reset_shared_engine",
    "shared_engine",
]
