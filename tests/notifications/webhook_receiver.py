"""A real webhook receiver for tests: an HTTP server on 127.0.0.1 that checks each request's
signature the way docs/webhooks.md tells receivers to, and keeps what it received.

    with Receiver(secret=endpoint.secret) as receiver:
        ...                      # deliveries POST to receiver.url
        receiver.events          # the verified payloads, in order, de-duplicated by "id"

`answers` is the list of HTTP statuses to answer with, in order (then 200): [500, 500] is a
receiver that fails twice then works. `port` starts it on a given port (a receiver that was
down, at an address already registered).
"""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from notifications.backends.webhook import signature_verify


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Receiver:
    def __init__(self, *, secret: str = "", answers=(), port: int = 0, redirect_to: str = ""):
        self.secret = secret
        self.answers = list(answers)
        self.redirect_to = redirect_to
        self.requests: list[dict] = []
        self.seen_ids: set[str] = set()
        self.events: list[dict] = []  # verified, first delivery of each id only
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.record(self.path, dict(self.headers), body)
                status = receiver.next_answer()
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/caseflow"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def next_answer(self) -> int:
        with self.lock:
            return self.answers.pop(0) if self.answers else 200

    def record(self, path: str, headers: dict, body: bytes) -> None:
        verified = bool(self.secret) and signature_verify(
            secret=self.secret, header=headers.get("Caseflow-Signature", ""), body=body
        )
        payload = json.loads(body)
        with self.lock:
            self.requests.append(
                {"path": path, "headers": headers, "body": body, "verified": verified}
            )
            # What a receiver does with the id: the first delivery counts, a repeat does not.
            if verified and payload["id"] not in self.seen_ids:
                self.seen_ids.add(payload["id"])
                self.events.append(payload)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
