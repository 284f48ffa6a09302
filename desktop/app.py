"""`calldesk`: the agent desktop. Builds QApplication + the qasync loop, signs the agent in,
then hands over to DesktopApp (cache, sync, CTI socket, screen pop, window)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import sys
from pathlib import Path

from desktop.config import LANGUAGES, Settings, load_settings

log = logging.getLogger(__name__)

CTI_TOKEN_KEY = "cti-token"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, default=None, help="settings file (default: user config folder)"
    )
    parser.add_argument("--language", choices=LANGUAGES, default=None, help="UI language")
    parser.add_argument("--central-url", default=None, help="central CRM API address")
    parser.add_argument("--cache", type=Path, default=None, help="local cache file")
    parser.add_argument("--cti-port", type=int, default=None, help="CTI socket port on 127.0.0.1")


def _settings_from(args: argparse.Namespace) -> Settings:
    settings = load_settings(config_file=args.config)
    overrides = {
        "language": args.language,
        "central_url": args.central_url,
        "cache_path": str(args.cache) if args.cache else None,
        "cti_port": args.cti_port,
    }
    from dataclasses import replace

    return replace(settings, **{k: v for k, v in overrides.items() if v is not None})


def cti_token() -> tuple[str, bool]:
    """The token CTI sources must present: env override, else keyring (created once).

    Returns (token, temporary). With no secure store the token lives for this session only
    (temporary=True, and the agent is told); it is never written to a file.
    """
    from desktop.services.auth import secure_store_available

    env_token = os.environ.get("CALLDESK_CTI_TOKEN")
    if env_token:
        return env_token, False
    if not secure_store_available():
        return secrets.token_urlsafe(24), True
    import keyring

    token = keyring.get_password("CallDesk", CTI_TOKEN_KEY)
    if not token:
        token = secrets.token_urlsafe(24)
        keyring.set_password("CallDesk", CTI_TOKEN_KEY, token)
    return token, False


async def sign_in(settings: Settings, parent=None):
    """Restore a remembered session or show the login dialog. Returns (api, auth, session) or None
    when the agent cancels. Errors are shown in the dialog; nothing here raises for bad input."""
    from desktop.services.api import ApiError, CentralApi
    from desktop.services.auth import AuthService, SecureStoreError
    from desktop.views.login_dialog import LoginDialog, LoginValues

    verify: bool | str = settings.ca_bundle or True
    if settings.username:
        api = CentralApi(settings.central_url, verify=verify)
        auth = AuthService(api)
        try:
            session = auth.restore(settings.username)
        except SecureStoreError:
            session = None
        if session is not None:
            return api, auth, session
        await api.aclose()

    dialog = LoginDialog(parent, server_url=settings.central_url, username=settings.username)
    outcome: asyncio.Future = asyncio.get_running_loop().create_future()
    pending: set[asyncio.Task] = set()

    async def attempt(values: LoginValues) -> None:
        api = CentralApi(values.server_url, verify=verify)
        auth = AuthService(api, values.server_url)
        try:
            session = await auth.login(values.username, values.password, values.remember)
        except SecureStoreError as exc:
            await api.aclose()
            dialog.set_error(str(exc))
            return
        except ApiError as exc:
            await api.aclose()
            dialog.set_error(exc.message)
            return
        if not outcome.done():
            outcome.set_result((api, auth, session))
        dialog.accept()

    def on_login(values: LoginValues) -> None:
        task = asyncio.ensure_future(attempt(values))
        pending.add(task)
        task.add_done_callback(pending.discard)

    dialog.loginRequested.connect(on_login)

    def cancelled() -> None:
        if not outcome.done():
            outcome.set_result(None)

    dialog.rejected.connect(cancelled)
    dialog.show()
    return await outcome


def run(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication, QMessageBox

    from desktop import interpreter
    from desktop.desks.root import DesktopApp
    from desktop.logging_setup import setup_logging
    from desktop.qt_gc import QtThreadCollector
    from desktop.qt_loop import QtLoop
    from desktop.services.handoff import HandoffServer
    from desktop.views.i18n import install_translator, load_fonts
    from desktop.views.theme import apply_theme

    log_path = setup_logging()
    interpreter.configure()  # process-wide, once; automatic GC goes off with the collector below
    settings = _settings_from(args)
    instance = QApplication.instance()  # typed as a QCoreApplication
    app = instance if isinstance(instance, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("CallDesk")
    load_fonts()
    apply_theme(app)
    install_translator(app, settings.language)
    handoff = HandoffServer()
    if not handoff.listen():
        print("calldesk: CallDesk is already running for this user.", file=sys.stderr)
        return 0
    loop = QtLoop(app)  # qasync's loop, always the running loop (issue #18)
    asyncio.set_event_loop(loop)
    collector = QtThreadCollector(app)
    collector.start()
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    app.setQuitOnLastWindowClosed(False)

    async def main() -> int:
        signed_in = await sign_in(settings)
        if signed_in is None:
            return 0
        api, auth, session = signed_in
        from desktop.desks.cache_health import apply_cache_encryption, ensure_usable_cache

        not_encrypted = await apply_cache_encryption(settings.resolved_cache_path(), settings.encrypt_cache)
        if not await ensure_usable_cache(settings.resolved_cache_path()):  # damaged; the agent quit
            await api.aclose()
            return 1
        token, temporary = cti_token()
        runtime = DesktopApp(
            settings,
            api,
            session,
            cti_token=token,
            handoff=handoff,
            config_file=args.config,
            end_session=auth.sign_out,
        )

        def switch_language(lang: str) -> None:
            if install_translator(app, lang):
                runtime.window.set_language(lang)

        runtime.window.languageChangeRequested.connect(switch_language)
        runtime.window.quitRequested.connect(runtime.window.close)
        runtime.window.set_language(settings.language)
        try:
            await runtime.start()
        except Exception as exc:
            log.exception("desktop failed to start")
            QMessageBox.critical(
                None,
                "CallDesk",
                QCoreApplication.translate("DesktopApp", "CallDesk could not start: %1\nDetails are in %2")
                .replace("%1", str(exc))
                .replace("%2", str(log_path or "")),
            )
            await runtime.stop()
            return 1
        collector.settle()
        if not_encrypted is not None:
            runtime.window.show_banner(
                QCoreApplication.translate(
                    "DesktopApp",
                    "The local cache is NOT encrypted although encryption is switched on: %1. "
                    "Ask your administrator.",
                ).replace("%1", not_encrypted),
                "warning",
            )
        if temporary:
            runtime.window.show_banner(
                QCoreApplication.translate(
                    "DesktopApp",
                    "No secure credential store is available on this system: the CTI token is temporary "
                    "and CTI sources must be given the new one after every restart.",
                ),
                "warning",
            )
        await closed.wait()
        await runtime.stop()
        return 0

    with loop:
        return loop.run_until_complete(main())
