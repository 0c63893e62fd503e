"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""

import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPServer:
    def __init__(self):
        self.handler = _Handler()
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname=self.host, port=self.port)

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()

    def clear(self):
        with self.handler.lock:
            self.handler.messages.clear()

    @property
    def messages(self):
        with self.handler.lock:
            return list(self.handler.messages)

    def wait_for(self, count: int = 1, timeout: float = 5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.02)
        raise AssertionError(f"expected {count} mail(s), got {len(self.messages)}")

    def last_to(self, address: str) -> email.message.EmailMessage:
        for message in reversed(self.wait_for()):
            if address in message["To"]:
                return message
        raise AssertionError(f"no mail to {address}")

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()
