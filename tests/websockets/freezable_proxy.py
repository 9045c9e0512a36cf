"""A TCP proxy on loopback in front of a real backend, that can stop answering (freeze).

A frozen server (SIGSTOP, a stalled disk, a partition) keeps its sockets open and its kernel
keeps acknowledging data, so a client sees a connection that simply never answers.  Freezing
this proxy does exactly that to the client: every open and new connection stays open, and
nothing is forwarded in either direction, while the real server behind it runs on for the
other tests.
"""

from __future__ import annotations

import selectors
import socket
import threading


class FreezableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.setblocking(False)
        self.port = self.listener.getsockname()[1]
        self.frozen = threading.Event()
        self._stopped = threading.Event()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.listener, selectors.EVENT_READ)
        self._peers: dict[socket.socket, socket.socket] = {}
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def freeze(self) -> None:
        self.frozen.set()

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        for sock in [self.listener, *self._peers, *self._held]:
            sock.close()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            for key, _ in self._selector.select(timeout=0.05):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if sock is self.listener:
                    self._accept()
                elif not self.frozen.is_set():
                    self._forward(sock)

    def _accept(self) -> None:
        try:
            client, _ = self.listener.accept()
        except BlockingIOError:
            return
        if self.frozen.is_set():
            self._held.append(client)  # accepted by the kernel, never answered
            return
        upstream = socket.create_connection(self.target, timeout=5)
        for sock in (client, upstream):
            sock.setblocking(False)
            self._selector.register(sock, selectors.EVENT_READ)
        self._peers[client], self._peers[upstream] = upstream, client

    def _forward(self, sock: socket.socket) -> None:
        peer = self._peers.get(sock)
        if peer is None:
            return
        try:
            data = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            for end in (sock, peer):
                self._selector.unregister(end)
                self._peers.pop(end, None)
                end.close()
            return
        peer.settimeout(5)  # bounded: a peer that stops reading cannot hang the proxy thread
        try:
            peer.sendall(data)
        except OSError:
            pass
        finally:
            peer.setblocking(False)
