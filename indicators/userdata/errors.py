"""What can go wrong with user data, as exceptions whose message is German and meant for the person at the screen."""

from __future__ import annotations


class UserDataError(Exception):
    """A user-data operation failed; the message is German and meant for the person at the screen."""


class ValidationError(UserDataError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


class ConflictError(UserDataError):
    """Someone else changed the record since it was loaded; nothing was written."""

    def __init__(self, message: str, stored_version: int | None = None, changed_by: str | None = None):
        self.stored_version = stored_version
        self.changed_by = changed_by
        super().__init__(message)


class NotFoundError(UserDataError):
    pass


class NotAllowedError(UserDataError):
    """The person writing holds no editing right (any more); nothing was written."""
