"""Command line: ``python -m indicators build|demo|report|validate|userdata|account|hash-password``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indicators.errors import BuildError, SourceFileError


def _progress_bar():
    from tqdm import tqdm

    bar = tqdm(total=100, unit="%", bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} % {postfix}")

    def update(fraction: float, message: str) -> None:
        bar.n = round(100 * fraction)
        bar.set_postfix_str(message[:60])
        bar.refresh()

    return bar, update


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indicators", description="RegioMonitor Daten-Warehouse")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="Warehouse aus amtlichen Rohdateien bauen")
    b.add_argument("--raw", default="data/raw", type=Path, help="Ordner mit den amtlichen Dateien (Standard: data/raw)")
    b.add_argument("--out", default="data/warehouse", type=Path, help="Zielordner (Standard: data/warehouse)")
    d = sub.add_parser("demo", help="Synthetisches Demo-Warehouse schreiben (als Demo gekennzeichnet)")
    d.add_argument("--out", default="data/warehouse", type=Path)
    d.add_argument(
        "--size",
        choices=["kreis", "gemeinde"],
        default="kreis",
        help="gemeinde: ca. 11.000 Regionen x 100 Indikatoren x 20 Jahre",
    )
    d.add_argument("--seed", type=int, default=20240101)
    val = sub.add_parser(
        "validate", help="Modellgüte prüfen (Erwartungswert, Zielprognose, Trendbruch) und als Markdown schreiben"
    )
    val.add_argument("--warehouse", default="data/warehouse", type=Path, help="Warehouse (Standard: data/warehouse)")
    val.add_argument("--out", default="docs/validation.md", type=Path, help="Zieldatei (Standard: docs/validation.md)")
    r = sub.add_parser("report", help="Datenqualitätsbericht eines Warehouse ausgeben")
    r.add_argument("--out", default="data/warehouse", type=Path)
    u = sub.add_parser(
        "userdata",
        help="Nutzerdaten (Ziele, Vergleichsgruppen, Notizen) sichern, zurückspielen oder nach PostgreSQL bringen",
    )
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument(
        "--db",
        default=None,
        help="Nutzerdatenbank: SQLite-Datei oder postgresql://-URL (Standard: $REGIOMONITOR_DATABASE_URL, sonst "
        "$REGIOMONITOR_USERDATA oder data/userdata/regiomonitor.sqlite)",
    )
    u_sub = u.add_subparsers(dest="action", required=True)
    ub = u_sub.add_parser("backup", parents=[db], help="Konsistente Sicherung schreiben, auch während andere arbeiten")
    ub.add_argument("--to", dest="target", required=True, type=Path, help="Zieldatei der Sicherung")
    ur = u_sub.add_parser(
        "restore", parents=[db], help="Alle Nutzerdaten durch eine Sicherung ersetzen (vorheriger Stand bleibt)"
    )
    ur.add_argument("--from", dest="source", required=True, type=Path, help="Sicherungsdatei")
    um = u_sub.add_parser(
        "migrate", help="SQLite-Nutzerdaten in eine leere PostgreSQL-Datenbank kopieren und die Kopie prüfen"
    )
    um.add_argument(
        "--db",
        default=None,
        help="SQLite-Datei (Standard: $REGIOMONITOR_USERDATA oder data/userdata/regiomonitor.sqlite)",
    )
    um.add_argument(
        "--to", dest="target", required=True, help="Ziel, z. B. postgresql://nutzer:passwort@host:5432/regiomonitor"
    )
    acc = sub.add_parser("account", help="Konten für die Anmeldung mit Name und Passwort (accounts.toml)")
    acc.add_argument(
        "--file",
        type=Path,
        default=None,
        help="Kontendatei (Standard: $REGIOMONITOR_ACCOUNTS oder accounts.toml neben den Nutzerdaten)",
    )
    acc_sub = acc.add_subparsers(dest="action", required=True)
    acc_set = acc_sub.add_parser("set", help="Konto anlegen oder neues Passwort und Rolle setzen")
    acc_set.add_argument("name", help="Kontoname, z. B. anna oder redaktion")
    acc_set.add_argument("--role", choices=["editor", "reader"], default="editor", help="Rolle (Standard: editor)")
    acc_set.add_argument("--stdin", action="store_true", help="Passwort aus der ersten Zeile der Standardeingabe")
    acc_set.add_argument("--generate", action="store_true", help="Zufälliges Passwort erzeugen und einmal anzeigen")
    acc_set.add_argument("--iterations", type=int, default=None, help=argparse.SUPPRESS)
    acc_rm = acc_sub.add_parser("remove", help="Konto entfernen")
    acc_rm.add_argument("name")
    acc_sub.add_parser("list", help="Konten und Rollen auflisten (ohne Hashes)")
    h = sub.add_parser("hash-password", help="Passwort-Hash für [regiomonitor.users.<name>] in secrets.toml")
    h.add_argument("--stdin", action="store_true", help="Passwort aus der ersten Zeile der Standardeingabe lesen")
    h.add_argument("--iterations", type=int, default=None, help="PBKDF2-Iterationen (Standard: 600.000)")
    args = parser.parse_args(argv)
    _recover_warehouse(args)

    if args.command == "build":
        from indicators.warehouse.build import build

        bar, update = _progress_bar()
        try:
            manifest = build(args.raw, args.out, progress=update)
        except (BuildError, SourceFileError) as exc:
            bar.close()
            print(f"Fehler: {exc}\nDas bisherige Warehouse bleibt unverändert.", file=sys.stderr)
            return 2
        bar.close()
        for item in manifest.get("unrecognised", []):
            print(f"Hinweis: {item['message']}", file=sys.stderr)
        counts = manifest["counts"]
        print(
            f"Warehouse geschrieben nach {args.out}: {counts['districts']} Kreise, {counts['indicators']} Indikatoren, "
            f"{counts['facts']:,} Werte, Geometrie für {counts['geometry_kreise']} Kreise "
            f"({manifest['build_seconds']} s). Bericht: {args.out / 'quality.md'}".replace(",", ".")
        )
        return 0
    if args.command == "demo":
        from indicators.warehouse import demo

        if args.size == "gemeinde":
            manifest = demo.write_municipality_panel(args.out, seed=args.seed)
        else:
            manifest = demo.write_demo(args.out, seed=args.seed)
        print(f"Demo-Warehouse ({args.size}) geschrieben nach {args.out} in {manifest['build_seconds']} s. DEMODATEN.")
        return 0
    if args.command == "userdata":
        return _userdata(args)
    if args.command == "validate":
        return _validate(args)
    if args.command == "hash-password":
        return _hash_password(args)
    if args.command == "account":
        return _account(args)
    if args.command == "report":
        from indicators.warehouse.store import Store, WarehouseMissing

        try:
            print(Store(args.out).quality_report())
        except WarehouseMissing as exc:
            print(f"Fehler: {exc}", file=sys.stderr)
            return 2
        return 0
    return 1


def _recover_warehouse(args: argparse.Namespace) -> None:
    """Before any command touches a warehouse: finish or roll back a swap that a crash interrupted."""
    from indicators.warehouse import files

    target = getattr(args, "warehouse", None) if args.command == "validate" else getattr(args, "out", None)
    if args.command in {"build", "demo", "report", "validate"} and target is not None:
        for note in files.recover(Path(target)):
            print(f"Hinweis: {note}", file=sys.stderr)


def _validate(args: argparse.Namespace) -> int:
    from indicators.outputs import validation
    from indicators.warehouse.store import Store, WarehouseMissing

    try:
        store = Store(args.warehouse)
    except WarehouseMissing as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    report = validation.run(store)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report.markdown, encoding="utf-8")
    print(f"Validierung geschrieben: {args.out}")
    return 0


def _counts(ud) -> str:
    return f"{len(ud.targets())} Ziele, {len(ud.peer_groups())} Vergleichsgruppen"


def _userdata(args: argparse.Namespace) -> int:
    from indicators.userdata import UserData, UserDataError, default_path

    opened: list[UserData] = []
    try:
        if args.action == "migrate":
            opened += [UserData(args.db or default_path())]
            opened += [UserData(args.target)]
            source, target = opened
            checked = source.copy_into(target)
            print(
                f"Nutzerdaten aus {source.describe()} nach {target.describe()} kopiert: {checked}.\n"
                "Nächster Schritt: REGIOMONITOR_DATABASE_URL auf diese Datenbank setzen und RegioMonitor neu starten; "
                "die SQLite-Datei bleibt unverändert liegen."
            )
            return 0
        opened += [UserData(args.db)]
        ud = opened[0]
        if args.action == "backup":
            written = ud.backup(args.target)
            print(f"Sicherung geschrieben: {written} ({_counts(ud)}, mit Verlauf und Notizen) aus {ud.describe()}.")
        else:
            safety = ud.restore(args.source)
            print(
                f"Nutzerdaten aus {args.source} wiederhergestellt: jetzt {_counts(ud)}. "
                f"Der vorherige Stand liegt in {safety}."
            )
    except UserDataError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"Fehler: Datei nicht les- oder schreibbar: {exc}", file=sys.stderr)
        return 2
    finally:
        for ud in opened:
            ud.close()
    return 0


def _read_password(from_stdin: bool) -> str | None:
    """The new password from standard input or typed twice; None (after a German message) when they differ."""
    import getpass

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Passwort: ")
    if getpass.getpass("Passwort wiederholen: ") != password:
        print("Fehler: Die beiden Eingaben stimmen nicht überein.", file=sys.stderr)
        return None
    return password


def _account(args: argparse.Namespace) -> int:
    import secrets

    from indicators import accounts, auth

    path = args.file or accounts.default_path()
    try:
        if args.action == "list":
            users, problems = accounts.read(path)
            for problem in problems:
                print(f"Fehler: {problem}", file=sys.stderr)
            for name in sorted(users):
                print(f"{name}\t{users[name].get('role', '?')}")
            if not users and not problems:
                print(f"Keine Konten in {path}.")
            return 2 if problems else 0
        if args.action == "remove":
            removed = accounts.remove(path, args.name)
            print(f"Konto „{args.name}“ entfernt." if removed else f"Konto „{args.name}“ gibt es in {path} nicht.")
            return 0 if removed else 1
        password = secrets.token_urlsafe(12) if args.generate else _read_password(args.stdin)
        if password is None:
            return 2
        accounts.set_password(path, args.name, password, args.role, iterations=args.iterations)
    except (accounts.AccountError, auth.PasswordError) as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    print(f"Konto „{args.name}“ ({args.role}) gespeichert in {path}.")
    if args.generate:
        print(f"Passwort (wird nur jetzt angezeigt): {password}")
    return 0


def _hash_password(args: argparse.Namespace) -> int:
    from indicators import auth

    password = _read_password(args.stdin)
    if password is None:
        return 2
    try:
        encoded = auth.hash_password(password, iterations=args.iterations or auth.ITERATIONS)
    except auth.PasswordError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    print(encoded)
    print(
        "\nIn .streamlit/secrets.toml eintragen, z. B.:\n"
        "[regiomonitor.users.anna]\n"
        f'password_hash = "{encoded}"\n'
        'role = "editor"  # oder "reader"',
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
