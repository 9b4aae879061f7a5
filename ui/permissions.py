"""Who may change what, in one place: the rules are in indicators/auth.py, the sign-in in ui/auth.py.

* Reading: everybody, unless sign-in is required (``REGIOMONITOR_REQUIRE_LOGIN=1`` / ``require_login``).
* Editing targets, managing peer groups, importing official files: a signed-in editor, and nobody else. The
  network the browser comes from counts for nothing (a host name that resolves to this machine or a proxy
  that hides the client would make anybody "local"); a fresh installation gets an editor account at its
  first start instead (:mod:`indicators.accounts`).
* Import can in addition be switched off for everybody with ``REGIOMONITOR_ALLOW_IMPORT=0``.
"""

from __future__ import annotations

from indicators import auth, settings


def can_edit() -> bool:
    """Whether the current session may add, change and delete targets and peer groups."""
    from ui import auth as auth_ui

    cfg = auth_ui.config()
    return auth.may_edit(cfg, auth_ui.identity(cfg))


def edit_hint() -> str:
    """Why the session may not edit, and what to do about it (German, for an info box)."""
    from ui import auth as auth_ui
    from ui import html

    cfg = auth_ui.config()
    found = auth_ui.identity(cfg)
    if found is not None:
        return f"Angemeldet als {html.md(found.name)} mit Leserecht: Ändern können nur Personen mit Bearbeitungsrecht."
    if cfg.configured:
        return "Zum Ändern bitte in der Seitenleiste mit Bearbeitungsrecht anmelden (Rolle „editor“)."
    return NO_ACCOUNT_HINT


#: Shown when no sign-in is configured at all (the first-start account could not be written, or was removed).
NO_ACCOUNT_HINT = (
    "Ändern ist erst nach einer Anmeldung möglich, und es ist noch kein Konto eingerichtet: auf dem Server "
    "`python -m indicators account set <Name>` ausführen (siehe README: Anmeldung und Rollen)."
)

#: ``0`` switches the import page off for everybody; unset or ``1`` leaves it to the roles above.
IMPORT_ENV = "REGIOMONITOR_ALLOW_IMPORT"


def import_allowed() -> bool:
    """Whether this session may upload official files and rebuild the warehouse (page *Daten › Import*).

    A signed-in editor may. ``REGIOMONITOR_ALLOW_IMPORT=0`` switches the import off for everybody, e.g. on a
    shared server where files arrive by ``python -m indicators build``.
    """
    from ui import auth as auth_ui

    switched_on = settings.switched_on(IMPORT_ENV)
    cfg = auth_ui.config()
    return auth.may_import(cfg, auth_ui.identity(cfg), switched_on)


def import_hint() -> str:
    """Why the import page is closed (German)."""
    from ui import auth as auth_ui

    if not settings.switched_on(IMPORT_ENV):
        return (
            "Der Import ist auf diesem Server abgeschaltet (REGIOMONITOR_ALLOW_IMPORT=0). Neue amtliche Dateien "
            "im Rohdatenordner ablegen und `python -m indicators build` ausführen."
        )
    if auth_ui.config().configured:
        return "Importieren dürfen nur angemeldete Personen mit Bearbeitungsrecht: bitte in der Seitenleiste anmelden."
    return NO_ACCOUNT_HINT + " Ohne Anmeldung: Dateien im Rohdatenordner ablegen und `python -m indicators build`."
