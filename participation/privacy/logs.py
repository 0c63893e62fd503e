"""No full IP addresses in the application's logs.

The application stores no IP addresses. It only uses them as rate-limit keys, which live in
memory (or Redis) until their window ends (at most an hour). Two loggers would still write
them out: Flask-Limiter names the key of a breached limit, and Werkzeug's development server
logs every request with the client address. A filter on those loggers shortens every address
in a record to its network (IPv4 /24, IPv6 /48) before any handler sees it.
"""

import ipaddress
import logging
import re

# Loggers whose records carry client addresses.
LOGGERS = ("flask-limiter", "werkzeug", "participation")

_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?![\d.])")
# Candidates only; ipaddress decides (times like 09:12:46 are no IPv6 address).
_IPV6 = re.compile(r"(?<![\w:])([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?![\w:]|\.\d)")


def truncate_ip(address: str) -> str:
    """The network of `address`: IPv4 to /24 (last octet 0), IPv6 to /48."""
    ip = ipaddress.ip_address(address)
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def _shorten(match: re.Match) -> str:
    text = match.group(1)
    try:
        return truncate_ip(text)
    except ValueError:
        return text


def truncate_ips(text: str) -> str:
    """`text` with every IP address in it shortened to its network."""
    return _IPV6.sub(_shorten, _IPV4.sub(_shorten, text))


class TruncateIPs(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        shortened = truncate_ips(message)
        if shortened != message:
            record.msg, record.args = shortened, None
        return True


_FILTER = TruncateIPs()


def install() -> None:
    """Attach the filter to the loggers that could carry client addresses (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
