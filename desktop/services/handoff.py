"""Single instance and command-line hand-off over a local socket (named pipe on Windows).

The first desktop owns the server name; `calldesk dial tel:...`, `calldesk pop --customer-id`,
`calldesk agent ready` and `calldesk agent pause --reason R` connect, send one JSON line and wait
for `{"ok": ...}`. Messages are validated here so the running desktop never acts on a malformed
request.

Requests that go on to the PBX (`dial`, `agent`) are answered only once the PBX has answered:
the desktop registers a command handler (`set_command_handler`) that gets the clean request and
a `reply(ok, message)` to call when the PBX's result (or a timeout) is in. Without a handler,
`dial` is only handed over (the old `dialRequested` signal) and `agent` is refused.
"""

from __future__ import annotations

import getpass
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from calldesk_domain.phone import DEFAULT_REGION, normalize
from desktop.cti.pbx_commands import CommandError, check_reason

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 4096
PBX_ANSWER_TIMEOUT_MS = 60_000  # a click-to-dial is answered once the agent's phone picked up

HandoffReply = Callable[[bool, str], None]
# The running desktop's side of `calldesk agent ...` / `calldesk dial`: gets the clean request and
# calls reply(ok, message) once, when the PBX has answered (or the command timed out).
CommandHandler = Callable[[dict[str, str], HandoffReply], None]


def server_name() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no login name (service account, odd env): still one name per machine
        user = "user"
    return "calldesk-" + re.sub(r"[^A-Za-z0-9_.-]", "_", user)


class HandoffError(ValueError):
    pass


def validate(message: Any, region: str = DEFAULT_REGION) -> dict[str, str]:
    """Return a clean request or raise HandoffError saying what is wrong."""
    if not isinstance(message, dict):
        raise HandoffError("request must be a JSON object")
    cmd = message.get("cmd")
    if cmd == "pop":
        customer_id = message.get("customer_id")
        if not isinstance(customer_id, str) or not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", customer_id):
            raise HandoffError("pop needs a customer id (letters, digits, _.:- up to 64)")
        return {"cmd": "pop", "customer_id": customer_id}
    if cmd == "dial":
        uri = message.get("uri")
        if not isinstance(uri, str):
            raise HandoffError("dial needs a tel: URI")
        number = normalize(uri.removeprefix("tel:").removeprefix("callto:"), region)
        if number is None:
            raise HandoffError(f"{uri!r} cannot be dialled: it is not a phone number")
        return {"cmd": "dial", "number": number}
    if cmd == "agent":
        state = message.get("state")
        if state == "ready":
            return {"cmd": "agent", "state": "ready"}
        if state == "pause":
            reason = message.get("reason")
            try:
                return {
                    "cmd": "agent",
                    "state": "pause",
                    "reason": check_reason(reason if isinstance(reason, str) else None, None),
                }
            except CommandError as exc:
                raise HandoffError(str(exc)) from None
        raise HandoffError(f"unknown agent state {state!r}; use ready or pause")
    raise HandoffError(f"unknown request {cmd!r}")


class HandoffServer(QObject):
    popRequested = Signal(str)  # customer id
    dialRequested = Signal(str)  # E.164 number

    def __init__(self, name: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._name = name or server_name()
        self._server = QLocalServer(self)
        self._server.newConnection.connect(self._on_connection)
        self._command_handler: CommandHandler | None = None
        self.region = DEFAULT_REGION  # Settings.phone_region: `dial` numbers without a country code

    def set_command_handler(self, handler: CommandHandler | None) -> None:
        """Route `dial` and `agent` requests to the desktop's CTI source (see the module doc)."""
        self._command_handler = handler

    def listen(self) -> bool:
        """Claim the name. False means another desktop already runs (it answered a ping)."""
        if send_request({"cmd": "ping"}, self._name, timeout_ms=300) is not None:
            return False
        QLocalServer.removeServer(self._name)  # a crashed instance may have left the name behind
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not self._server.listen(self._name):
            log.warning("handoff server could not listen on %s: %s", self._name, self._server.errorString())
            return False
        return True

    def close(self) -> None:
        self._server.close()

    def _on_connection(self) -> None:
        while (sock := self._server.nextPendingConnection()) is not None:
            sock.readyRead.connect(lambda s=sock: self._on_ready(s))
            sock.disconnected.connect(sock.deleteLater)
            if sock.bytesAvailable():  # the request may have arrived before readyRead was connected
                self._on_ready(sock)

    def _on_ready(self, sock: QLocalSocket) -> None:
        if not sock.canReadLine():
            if sock.bytesAvailable() > MAX_MESSAGE_BYTES:
                self._reply(sock, {"ok": False, "error": "request too large"})
            return
        raw = bytes(sock.readLine().data())
        try:
            message = json.loads(raw.decode("utf-8"))
            if isinstance(message, dict) and message.get("cmd") == "ping":
                self._reply(sock, {"ok": True, "pong": True})
                return
            request = validate(message, self.region)
        except (UnicodeDecodeError, json.JSONDecodeError):
            log.warning("handoff: bad JSON %r", raw[:200])
            self._reply(sock, {"ok": False, "error": "bad JSON"})
            return
        except HandoffError as exc:
            log.warning("handoff: %s", exc)
            self._reply(sock, {"ok": False, "error": str(exc)})
            return
        if request["cmd"] == "pop":
            self.popRequested.emit(request["customer_id"])
        elif self._command_handler is not None:
            self._hand_to_pbx(sock, request)
            return
        elif request["cmd"] == "agent":
            self._reply(
                sock, {"ok": False, "error": "this desktop cannot change the agent state (no CTI source)"}
            )
            return
        else:
            self.dialRequested.emit(request["number"])
        self._reply(sock, {"ok": True})

    def _hand_to_pbx(self, sock: QLocalSocket, request: dict[str, str]) -> None:
        answered = False

        def reply(ok: bool, message: str) -> None:
            nonlocal answered
            if answered:
                return
            answered = True
            # the caller may have given up: its socket may be closed or already deleted by Qt
            if not shiboken6.isValid(sock) or sock.state() != QLocalSocket.LocalSocketState.ConnectedState:
                log.info("handoff: %s answered after the caller left: %s %s", request["cmd"], ok, message)
                return
            self._reply(sock, {"ok": True, "message": message} if ok else {"ok": False, "error": message})

        assert self._command_handler is not None
        try:
            self._command_handler(request, reply)
        except Exception as exc:  # the handler must not take the hand-off server down
            log.exception("handoff: the command handler failed")
            reply(False, f"the desktop could not send the command: {exc}")

    @staticmethod
    def _reply(sock: QLocalSocket, answer: dict[str, Any]) -> None:
        sock.write((json.dumps(answer) + "\n").encode())
        sock.flush()
        sock.disconnectFromServer()


def send_request(
    message: dict[str, Any],
    name: str | None = None,
    timeout_ms: int = 2000,
    answer_timeout_ms: int | None = None,
) -> dict | None:
    """Send one request to the running desktop; None when no desktop is running.
    `answer_timeout_ms`: how long to wait for the answer (default `timeout_ms`)."""
    sock = QLocalSocket()
    sock.connectToServer(name or server_name())
    if not sock.waitForConnected(timeout_ms):
        return None
    sock.write((json.dumps(message, ensure_ascii=False) + "\n").encode())
    sock.flush()
    sock.waitForBytesWritten(timeout_ms)
    data = b""
    deadline = time.monotonic() + (answer_timeout_ms or timeout_ms) / 1000
    while b"\n" not in data and time.monotonic() < deadline:
        if sock.waitForReadyRead(50) or sock.bytesAvailable():
            data += bytes(sock.readAll().data())
        elif sock.state() == QLocalSocket.LocalSocketState.UnconnectedState:
            break
    sock.disconnectFromServer()
    if not data and answer_timeout_ms:
        return {"ok": False, "error": f"the desktop gave no answer within {answer_timeout_ms // 1000} s"}
    try:
        answer = json.loads(data.decode("utf-8").splitlines()[0]) if data else None
    except (UnicodeDecodeError, json.JSONDecodeError, IndexError):
        return {"ok": False, "error": "the running desktop gave an unreadable answer"}
    return answer if isinstance(answer, dict) else {"ok": False, "error": "unexpected answer"}
