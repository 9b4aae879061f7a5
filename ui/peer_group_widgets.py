"""The form that creates, changes and deletes a hand-picked peer group (page *Vergleichsgruppen*).

Like the target forms, the write happens in the submit callback with the version that was shown when the form
was drawn (``args``), so a colleague's newer member list is never overwritten: the store raises a
:class:`ConflictError` with their name and version, the message is shown, and the form is drawn afresh with the
stored state (its widget keys carry the version).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from indicators.userdata import ConflictError, NotAllowedError, PeerGroup, UserDataError, ValidationError
from ui import html, user
from ui.permissions import can_edit, edit_hint

NEW_GROUP = "(neue Gruppe)"
FORM_KEY = "gruppe_speichern"
_RESULT_KEY = "gruppe_ergebnis"


def _prefix(group: PeerGroup | None) -> str:
    return "gruppe_neu" if group is None else f"gruppe{group.id}v{group.version}"


def _remember(kind: str, text: str) -> None:
    """Keep the result for the next run; ``text`` is Markdown, names and messages in it are escaped by the caller."""
    user.flash(_RESULT_KEY, kind, text)


def save_group(prefix: str, loaded: str | None, version: int | None, known_ags: set[str]) -> None:
    """Submit callback; ``loaded`` and ``version`` are the group and version the form showed (None: a new group)."""
    name = str(st.session_state.get(f"{prefix}_name") or "").strip()
    members = list(st.session_state.get(f"{prefix}_members") or [])
    ud = user.userdata()
    try:
        if loaded is not None and st.session_state.get(f"{prefix}_delete"):
            ud.delete_peer_group(loaded, user.editor(), version)
            _remember("success", f"Gruppe „{html.md(loaded)}“ gelöscht (im Verlauf erhalten).")
            return
        # the same name changes the loaded group; another name creates a new group (a taken name is a conflict)
        expected = version if loaded is not None and name == loaded else None
        stored = ud.save_peer_group(name, members, user.editor(), expected_version=expected, known_ags=known_ags)
    except NotAllowedError as error:
        _remember("error", html.md(error))
        return
    except ConflictError as error:
        _remember("error", f"{html.md(error)} Ihre Auswahl ({len(members)} Kreise) wurde nicht gespeichert.")
        return
    except ValidationError as error:
        _remember("error", "Nicht gespeichert: " + "; ".join(html.md(e) for e in error.errors))
        return
    except UserDataError as error:
        _remember("error", html.md(error))
        return
    if expected is not None and stored.version == expected:
        _remember("info", f"Gruppe „{html.md(name)}“: keine Änderung, nichts gespeichert.")
    else:
        changed = "" if stored.version == 1 else f" (Version {stored.version})"
        _remember("success", f"Gruppe „{html.md(name)}“ gespeichert{changed}.")


def editor(saved: dict[str, PeerGroup], kreise: list[str], label: Callable[[str], str], home: str) -> None:
    """Choose a saved group (or a new one), then change its name, members or delete it in one form; without the
    right to edit, the reason instead."""
    user.show_flash(_RESULT_KEY)
    if not can_edit():
        st.info(edit_hint(), icon=":material/lock:")
        return
    st.markdown("**Gruppe anlegen oder ändern**")
    chosen = st.selectbox("Bestehende Gruppe ändern", [NEW_GROUP] + list(saved), key="gruppe_auswahl")
    group = saved.get(chosen)
    prefix = _prefix(group)
    with st.form(FORM_KEY):
        if group is not None:
            st.caption(f"Geladen: Version {group.version}, zuletzt geändert von {html.md(group.updated_by)}")
        st.text_input("Name", value=group.name if group else "", key=f"{prefix}_name")
        st.multiselect(
            "Kreise",
            kreise,
            default=list(group.members) if group else [home],
            format_func=label,
            key=f"{prefix}_members",
        )
        st.checkbox("Gruppe löschen", disabled=group is None, key=f"{prefix}_delete")
        st.form_submit_button(
            "Speichern",
            on_click=save_group,
            args=(prefix, group.name if group else None, group.version if group else None, set(kreise)),
        )
