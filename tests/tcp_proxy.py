"""A TCP proxy on loopback in front of a real server (the central API, PostgreSQL), for faults.

`cut()` closes every connection through it (a notification stream dropped mid-stream, or
PostgreSQL's connections gone as in a restart; the server itself untouched). While
`block_streams` is set, new requests for the notification stream are closed at once (ordinary
requests still pass); while `refuse_all` is set every new connection is (a server that is down).
"""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.block_streams = False
        self.refuse_all = False
        self.stream_requests = 0
        self.bytes_up = 0  # client -> server, all connections
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        if self.refuse_all:
            client.close()
            return
        try:
            first = client.recv(65536)
        except OSError:
            client.close()
            return
        if first.startswith(b"GET /api/v1/sync/notifications"):
            self.stream_requests += 1
            if self.block_streams:
                client.close()
                return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
        except OSError:
            client.close()
            return
        with self._lock:
            self._open.update((client, upstream))
        upstream.sendall(first)
        self._count_up(len(first))
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream, up=True)

    def _pump(self, source: socket.socket, sink: socket.socket, up: bool = False) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
                if up:
                    self._count_up(len(data))
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                self._drop(sock)

    def _count_up(self, n: int) -> None:
        with self._lock:  # one pump thread per connection
            self.bytes_up += n

    def _drop(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def cut(self) -> None:
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            self._drop(sock)

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):  # close() alone does not wake a thread in accept() on Linux
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self.cut()
