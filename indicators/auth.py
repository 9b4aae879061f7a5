"""Who may read and who may change what: password hashes, sign-in and roles, read from a secrets mapping.

Pure rules without Streamlit, so that they can be tested and reviewed on their own. ``ui/auth.py`` feeds them
``st.secrets``, ``st.user`` and the session.

The rules:

* **Reading** needs no sign-in, unless ``REGIOMONITOR_REQUIRE_LOGIN=1`` or ``[regiomonitor] require_login =
  true``: then every page asks for a sign-in first (any role).
* **Changing** (targets, peer groups, importing official files) needs a signed-in **editor**:
  with an identity provider (``[auth]`` in ``secrets.toml``, Streamlit's ``st.login``) an editor is a user
  whose e-mail is listed in ``[regiomonitor] editors``; with the local fallback an editor is a user in
  ``[regiomonitor.users.<name>]`` or in RegioMonitor's own ``accounts.toml`` (:mod:`indicators.accounts`)
  with ``role = "editor"``. Everybody else reads, on whatever network and under whatever host name.
* A fresh installation gets one editor account at its first start (password printed once on the console,
  see :mod:`indicators.accounts`); nobody edits without signing in.

Passwords are stored as ``pbkdf2_sha256$<iterations>$<salt, base64>$<hash, base64>`` (PBKDF2-HMAC-SHA256,
16 random bytes of salt) and compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as token
from collections.abc import Mapping
from dataclasses import dataclass, field

from indicators import settings

ALGORITHM = "pbkdf2_sha256"
#: OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256; a sign-in costs about a quarter second.
ITERATIONS = 600_000
MIN_ITERATIONS = 1_000
SALT_BYTES = 16
EDITOR, READER = "editor", "reader"
ROLES = (EDITOR, READER)
ROLE_LABELS = {EDITOR: "Bearbeitung", READER: "nur Lesen"}
REQUIRE_LOGIN_ENV = "REGIOMONITOR_REQUIRE_LOGIN"
SECTION = "regiomonitor"
#: Checked against when a name is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = f"{ALGORITHM}${ITERATIONS}$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


class PasswordError(ValueError):
    """A password cannot be hashed (empty, too short)."""


@dataclass(frozen=True)
class LocalUser:
    name: str
    password_hash: str
    role: str


@dataclass(frozen=True)
class Identity:
    """A signed-in person: the name recorded in the audit trail and the role."""

    name: str
    role: str
    method: str  # "oidc" or "lokal"

    @property
    def is_editor(self) -> bool:
        return self.role == EDITOR


@dataclass(frozen=True)
class AuthConfig:
    require_login: bool = False
    oidc: bool = False  # an [auth] section for st.login is configured
    oidc_providers: tuple[str, ...] = ()  # named providers ([auth.<name>]); empty: the default provider
    editors: frozenset[str] = frozenset()  # e-mail addresses, lower case
    users: Mapping[str, LocalUser] = field(default_factory=dict)
    problems: tuple[str, ...] = ()  # German notes on settings that were ignored

    @property
    def configured(self) -> bool:
        """Whether any sign-in is set up; without, nobody can edit."""
        return self.oidc or bool(self.users)


# --- passwords -------------------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$<iterations>$<salt>$<hash>`` for ``secrets.toml``."""
    if not isinstance(password, str) or len(password) < 8:
        raise PasswordError("Das Passwort muss mindestens 8 Zeichen lang sein.")
    if iterations < MIN_ITERATIONS:
        raise PasswordError(f"Mindestens {MIN_ITERATIONS} Iterationen.")
    salt = salt if salt is not None else token.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{ALGORITHM}${iterations}${_b64(salt)}${_b64(digest)}"


def _parse_hash(encoded: object) -> tuple[int, bytes, bytes] | None:
    if not isinstance(encoded, str):
        return None
    parts = encoded.strip().split("$")
    if len(parts) != 4 or parts[0] != ALGORITHM or not parts[1].isdigit():
        return None
    iterations = int(parts[1])
    if not MIN_ITERATIONS <= iterations <= 10_000_000:
        return None
    try:
        salt = base64.b64decode(parts[2], validate=True)
        digest = base64.b64decode(parts[3], validate=True)
    except ValueError:
        return None
    if not salt or len(digest) != 32:
        return None
    return iterations, salt, digest


def is_valid_hash(encoded: object) -> bool:
    return _parse_hash(encoded) is not None


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches the stored hash; False (never an exception) for a malformed hash."""
    parsed = _parse_hash(encoded)
    if parsed is None or not isinstance(password, str):
        return False
    iterations, salt, expected = parsed
    actual = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(actual, expected)


# --- configuration ---------------------------------------------------------------------------------------------


def _truthy(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "ja", "yes", "on"}


def _mapping(value: object) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def config_from_secrets(
    secrets: Mapping, environ: Mapping[str, str] | None = None, accounts: Mapping[str, Mapping] | None = None
) -> AuthConfig:
    """Read ``[auth]`` and ``[regiomonitor]`` (editors, users, require_login), the environment and the accounts of
    ``accounts.toml`` (``{name: {"password_hash", "role"}}``; a user of the same name in secrets.toml wins).

    Faulty entries are skipped with a German note in ``problems`` rather than stopping the app; a user
    without a valid hash can never sign in.
    """
    section = _mapping(secrets.get(SECTION))
    auth = _mapping(secrets.get("auth"))
    problems: list[str] = []
    require = _truthy(settings.get(REQUIRE_LOGIN_ENV, environ)) or _truthy(section.get("require_login", False))

    providers = tuple(sorted(k for k, v in auth.items() if isinstance(v, Mapping)))
    oidc = bool(auth) and ("redirect_uri" in auth or bool(providers))
    if auth and not oidc:
        problems.append("[auth] ist unvollständig (redirect_uri fehlt): Anmeldung über Identitätsanbieter aus.")

    raw_editors = section.get("editors", [])
    if isinstance(raw_editors, str):
        raw_editors = [raw_editors]
    editors = frozenset(str(e).strip().lower() for e in raw_editors if str(e).strip())

    users: dict[str, LocalUser] = {}
    for name, entry in [*(accounts or {}).items(), *_mapping(section.get("users")).items()]:
        entry = _mapping(entry)
        role = str(entry.get("role", READER)).strip().lower()
        password_hash = entry.get("password_hash", "")
        if role not in ROLES:
            problems.append(f"Nutzer „{name}“: Rolle „{role}“ unbekannt (erlaubt: editor, reader), als reader geführt.")
            role = READER
        if not is_valid_hash(password_hash):
            problems.append(
                f"Nutzer „{name}“: password_hash fehlt oder hat nicht die Form "
                f"{ALGORITHM}$<Iterationen>$<Salz>$<Hash>; Anmeldung nicht möglich."
            )
            continue
        users[str(name).strip()] = LocalUser(str(name).strip(), str(password_hash), role)
    return AuthConfig(require, oidc, providers, editors, users, tuple(problems))


# --- sign-in and roles -----------------------------------------------------------------------------------------


def authenticate(config: AuthConfig, name: str, password: str) -> Identity | None:
    """The local user if name and password match, else None; as slow for an unknown name as for a wrong password."""
    name = (name or "").strip()
    user = config.users.get(name)
    if user is None:
        # case-insensitive names, the way people type them
        user = next((u for key, u in config.users.items() if key.casefold() == name.casefold()), None)
    ok = verify_password(password or "", user.password_hash if user else _DUMMY_HASH)
    if user is None or not ok:
        return None
    return Identity(user.name, user.role, "lokal")


def local_identity(config: AuthConfig, name: object) -> Identity | None:
    """The identity behind a name kept in the session; None when the user has been removed meanwhile."""
    user = config.users.get(name) if isinstance(name, str) else None
    return Identity(user.name, user.role, "lokal") if user else None


def oidc_identity(config: AuthConfig, user_info: object) -> Identity | None:
    """Identity from ``st.user`` (or any object with ``is_logged_in`` and ``email``); only with ``[auth]`` set."""
    if not config.oidc or not _attr(user_info, "is_logged_in"):
        return None
    email = str(_attr(user_info, "email") or "").strip()
    name = email or str(_attr(user_info, "name") or "").strip()
    if not name:
        return None
    role = EDITOR if email and email.lower() in config.editors else READER
    return Identity(name, role, "oidc")


def _attr(obj: object, key: str) -> object:
    if isinstance(obj, Mapping):
        return obj.get(key)
    try:
        return getattr(obj, key, None)
    except Exception:  # noqa: BLE001 - st.user raises for unknown keys in some versions
        return None


def may_read(config: AuthConfig, identity: Identity | None) -> bool:
    return identity is not None or not config.require_login


def may_edit(config: AuthConfig, identity: Identity | None) -> bool:
    """A signed-in editor may edit; nobody else, wherever the browser connects from."""
    return identity is not None and identity.is_editor


def may_import(config: AuthConfig, identity: Identity | None, switched_on: bool) -> bool:
    """Importing official files: like editing, and never when the operator switched the import off."""
    return switched_on and may_edit(config, identity)
