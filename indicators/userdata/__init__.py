"""What people enter (targets, peer groups, notes), kept apart from the warehouse with a full audit trail.

The warehouse can be rebuilt from the official files at any time; user data cannot, so it lives apart,
in one embedded SQLite file (WAL mode, so the dashboard can read while a meeting edits). Every change is one
``BEGIN IMMEDIATE`` transaction that writes the row and its history entry together, and optimistic
versions make sure nobody overwrites a colleague's change unseen.

A connection is opened per call: the object is safe to share between Streamlit sessions, threads and
forked processes, and holds nothing but the path.

Modules: ``facade`` (:class:`UserData`, the only entry point), ``schema`` (migrations), ``targets``,
``peer_groups``, ``notes``, ``history`` (audit trail), ``editors`` (who may write), ``sign_in`` (throttle), ``targets_csv`` (Excel CSV in and out), ``backup``.
"""

from indicators.userdata.editors import Editor
from indicators.userdata.errors import (
    ConflictError,
    NotAllowedError,
    NotFoundError,
    UserDataError,
    ValidationError,
)
from indicators.userdata.facade import BUSY_TIMEOUT_SECONDS, DEFAULT_PATH, ENV_VAR, UserData, default_path
from indicators.userdata.history import LOCAL_TZ
from indicators.userdata.records import ImportReport, Note, PeerGroup, TargetRecord
from indicators.userdata.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "DEFAULT_PATH",
    "ENV_VAR",
    "LOCAL_TZ",
    "MIGRATIONS",
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
    "default_path",
]
