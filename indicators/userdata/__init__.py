"""What people enter (targets, peer groups, notes), kept apart from the warehouse with a full audit trail.

The warehouse can be rebuilt from the official files at any time; user data cannot, so it lives apart: in one
embedded SQLite file by default, in PostgreSQL when ``REGIOMONITOR_DATABASE_URL`` is set (several app processes
on one database). Every change is one write transaction that writes the row and its history entry together;
writers queue for one write lock, and optimistic versions make sure nobody overwrites a colleague's change unseen.

Modules: ``facade`` (:class:`UserData`, the only entry point), ``sqlite`` and ``postgresql`` (the two databases),
``schema`` (migrations for both), ``targets``, ``peer_groups``, ``notes``, ``history`` (audit trail), ``editors``
(who may write), ``sign_in`` (throttle), ``targets_csv`` (Excel CSV in and out), ``backup`` (SQLite files),
``transfer`` (verified copies between databases).
"""

from indicators.userdata.editors import Editor
from indicators.userdata.errors import (
    ConflictError,
    NotAllowedError,
    NotFoundError,
    UserDataError,
    ValidationError,
)
from indicators.userdata.facade import (
    BUSY_TIMEOUT_SECONDS,
    DATABASE_URL_ENV,
    DEFAULT_PATH,
    ENV_VAR,
    UserData,
    default_location,
    default_path,
)
from indicators.userdata.history import LOCAL_TZ
from indicators.userdata.records import ImportReport, Note, PeerGroup, TargetRecord
from indicators.userdata.schema import MIGRATIONS, POSTGRESQL_MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "DATABASE_URL_ENV",
    "DEFAULT_PATH",
    "ENV_VAR",
    "LOCAL_TZ",
    "MIGRATIONS",
    "POSTGRESQL_MIGRATIONS",
    "SCHEMA_VERSION",
    "ConflictError",
    "Editor",
    "ImportReport",
    "NotAllowedError",
    "Note",
    "NotFoundError",
    "PeerGroup",
    "TargetRecord",
    "UserData",
    "UserDataError",
    "ValidationError",
    "default_location",
    "default_path",
]
