"""A real SMTP server on 127.0.0.1 for the mail tests: just enough for smtplib."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator

import pytest


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greeting, EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 localhost test SMTP")
        data: list[bytes] | None = None
        recipients: list[str] = []
        while line := self.rfile.readline():
            if data is not None:
                if line.rstrip(b"\r\n") == b".":
                    self.server.messages.append((recipients, b"".join(data)))
                    data, recipients = None, []
                    self.reply("250 OK")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.reply("250-localhost")
                self.reply("250 8BITMIME")
            elif verb == b"RCPT":
                address = line.decode().split(":", 1)[1].strip(" <>\r\n")
                if address in self.server.refuse:
                    self.reply("550 no such mailbox")
                    continue
                recipients.append(address)
                self.reply("250 OK")
            elif verb == b"DATA":
                data = []
                self.reply("354 end with .")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


@pytest.fixture()
def smtp_server() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.messages = []  # type: ignore[attr-defined]
    server.refuse = set()  # type: ignore[attr-defined]  (addresses answered 550)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
