"""Single instance and command-line hand-off over a local socket (named pipe on Windows).

The first desktop owns the server name; `calldesk dial tel:...` and `calldesk pop --customer-id`
connect, send one JSON line and wait for `{"ok": ...}`. Messages are validated here so the
running desktop never acts on a malformed request.
"""

from __future__ import annotations

import getpass
import json
import logging
import re
import time
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from calldesk_domain.phone import normalize

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 4096


def server_name() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no login name (service account, odd env): still one name per machine
        user = "user"
    return "calldesk-" + re.sub(r"[^A-Za-z0-9_.-]", "_", user)


class HandoffError(ValueError):
    pass


def validate(message: Any) -> dict[str, str]:
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
        number = normalize(uri.removeprefix("tel:").removeprefix("callto:"))
        if number is None:
            raise HandoffError(f"{uri!r} cannot be dialled: it is not a phone number")
        return {"cmd": "dial", "number": number}
    raise HandoffError(f"unknown request {cmd!r}")


class HandoffServer(QObject):
    popRequested = Signal(str)  # customer id
    dialRequested = Signal(str)  # E.164 number

    def __init__(self, name: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._name = name or server_name()
        self._server = QLocalServer(self)
        self._server.newConnection.connect(self._on_connection)

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
            request = validate(message)
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
        else:
            self.dialRequested.emit(request["number"])
        self._reply(sock, {"ok": True})

    @staticmethod
    def _reply(sock: QLocalSocket, answer: dict[str, Any]) -> None:
        sock.write((json.dumps(answer) + "\n").encode())
        sock.flush()
        sock.disconnectFromServer()


def send_request(message: dict[str, Any], name: str | None = None, timeout_ms: int = 2000) -> dict | None:
    """Send one request to the running desktop; None when no desktop is running."""
    sock = QLocalSocket()
    sock.connectToServer(name or server_name())
    if not sock.waitForConnected(timeout_ms):
        return None
    sock.write((json.dumps(message, ensure_ascii=False) + "\n").encode())
    sock.flush()
    sock.waitForBytesWritten(timeout_ms)
    data = b""
    deadline = time.monotonic() + timeout_ms / 1000
    while b"\n" not in data and time.monotonic() < deadline:
        if sock.waitForReadyRead(50) or sock.bytesAvailable():
            data += bytes(sock.readAll().data())
        elif sock.state() == QLocalSocket.LocalSocketState.UnconnectedState:
            break
    sock.disconnectFromServer()
    try:
        answer = json.loads(data.decode("utf-8").splitlines()[0]) if data else None
    except (UnicodeDecodeError, json.JSONDecodeError, IndexError):
        return {"ok": False, "error": "the running desktop gave an unreadable answer"}
    return answer if isinstance(answer, dict) else {"ok": False, "error": "unexpected answer"}
