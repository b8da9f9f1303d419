"""A TCP proxy on 127.0.0.1 that cuts or stalls connections at random points, for fault
tests. Bounded: it serves until stopped, each connection lives at most `max_life` s."""
from __future__ import annotations

import random
import socket
import threading
import time


class FaultProxy:
    def __init__(self, target_port: int, *, seed: int, drop: float = 0.3, stall: float = 0.2, stall_s: float = 2.0,
                 max_life: float = 20.0):
        self.target = ("127.0.0.1", target_port)
        self.rng = random.Random(seed)
        self.drop, self.stall, self.stall_s, self.max_life = drop, stall, stall_s, max_life
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self.faults = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            # Keep-alive reuses a connection for many requests, so every connection dies
            # at a random byte: before, inside or after the next request or reply.
            roll = self.rng.random()
            mode = "stall" if roll < self.stall / (self.drop + self.stall) else "drop"
            cut_after = self.rng.randint(0, 5000)
            direction = self.rng.choice(("up", "down"))
            self.faults += 1
            threading.Thread(target=self._pipe_pair, args=(conn, mode, cut_after, direction), daemon=True).start()

    def _pipe_pair(self, client: socket.socket, mode: str, cut_after: int, direction: str) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        done = threading.Event()
        born = time.monotonic()

        def pump(src: socket.socket, dst: socket.socket, faulty: bool) -> None:
            moved = 0
            src.settimeout(0.2)
            try:
                while not done.is_set() and not self._stop.is_set() and time.monotonic() - born < self.max_life:
                    try:
                        data = src.recv(8192)
                    except socket.timeout:
                        continue
                    if not data:
                        break
                    if faulty and moved + len(data) > cut_after:
                        dst.sendall(data[: max(0, cut_after - moved)])
                        if mode == "stall":
                            time.sleep(self.stall_s)
                        break
                    dst.sendall(data)
                    moved += len(data)
            except OSError:
                pass
            finally:
                done.set()
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        t1 = threading.Thread(target=pump, args=(client, upstream, direction == "up"), daemon=True)
        t2 = threading.Thread(target=pump, args=(upstream, client, direction == "down"), daemon=True)
        t1.start(), t2.start()
        t1.join(self.max_life + 1), t2.join(self.max_life + 1)
        client.close(), upstream.close()
