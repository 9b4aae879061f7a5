"""Who writes, and the role they hold at the moment of writing.

Every write method of :class:`~indicators.userdata.UserData` takes the acting person and checks the role itself,
so a form drawn while someone could edit cannot write after the right was withdrawn (signed out, role changed in
``secrets.toml``). A plain name stands for a caller without a session (command line, scripts, tests) that
acts as that person; the app always passes an :class:`Editor` whose role it looked up when the form was sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from indicators.auth import EDITOR
from indicators.userdata.errors import NotAllowedError, ValidationError


@dataclass(frozen=True)
class Editor:
    name: str
    role: str  # indicators.auth.EDITOR or READER

    @property
    def may_edit(self) -> bool:
        return self.role == EDITOR


def acting_name(user: object) -> str:
    """The name for the audit trail; refuses a reader and an empty name (German messages)."""
    if isinstance(user, Editor):
        if not user.may_edit:
            raise NotAllowedError(
                f"Nicht gespeichert: {user.name or 'Diese Sitzung'} hat kein Bearbeitungsrecht (mehr). "
                "Das Recht wird bei jedem Speichern neu geprüft."
            )
        user = user.name
    if not isinstance(user, str) or not user.strip():
        raise ValidationError(["Bearbeiter: erwartet wird ein Name, das Feld ist leer"])
    return user.strip()
