"""No internet, for the hall's test (tests/hall/test_offline.py): loaded into every Python process
started with this folder on PYTHONPATH (Python imports `sitecustomize` at start-up), it refuses and
records any attempt to reach beyond this machine.

It is an audit hook (PEP 578), under gevent's patched sockets as under the standard ones: CPython audits
every connect (`socket.connect`, also for connect_ex), datagram sent to an address (`socket.sendto`,
`socket.sendmsg`) and name lookup (`socket.getaddrinfo`, `socket.gethostbyname`, `socket.gethostbyaddr`).
Loopback addresses, Unix sockets and this machine's own names pass. Anything else is refused with
ENETUNREACH, as a hall without internet would answer, and one line is appended to the file named by
IDEABOARD_NETGUARD_LOG. One exception, also recorded, in its own file (the `.routes` suffix): a UDP connect
to rooms/addresses.py's probe address, which sends no packet (the kernel only picks the route that finds
the laptop's address on the hall's network).
"""
import errno
import ipaddress
import os
import socket
import sys

LOG = os.environ.get("IDEABOARD_NETGUARD_LOG")
ROUTE_PROBE = ("10.254.254.254", 1)  # ideaboard/rooms/addresses.py: lan_address()
_OWN_NAMES = {"", "localhost", "localhost.localdomain", "ip6-localhost", socket.gethostname()}


def _write(suffix: str, line: str) -> None:
    with open(LOG + suffix, "a", encoding="utf-8") as file:
        file.write(f"{os.getpid()} {line}\n")


def _local_host(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0]
    if host.lower() in _OWN_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _local_address(address) -> bool:
    if not isinstance(address, tuple):  # a Unix socket's path
        return True
    return _local_host(address[0])


def _refuse(what: str) -> None:
    _write("", what)
    raise OSError(errno.ENETUNREACH, f"no internet in the hall (netguard refused {what})")


def _hook(event: str, args) -> None:
    if not event.startswith("socket."):
        return
    if event == "socket.connect":
        sock, address = args
        if _local_address(address):
            return
        if sock.type == socket.SOCK_DGRAM and tuple(address[:2]) == ROUTE_PROBE:
            _write(".routes", f"udp route lookup {address!r}")
            return
        _refuse(f"connect {address!r}")
    elif event in ("socket.sendto", "socket.sendmsg"):
        address = args[1]
        if address is not None and not _local_address(address):
            _refuse(f"{event.removeprefix('socket.')} {address!r}")
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
        if not _local_host(args[0]):
            _refuse(f"{event.removeprefix('socket.')} {args[0]!r}")


if LOG:
    open(LOG, "a").close()  # the log exists: proof the guard was loaded in this process
    _write(".loaded", " ".join(sys.argv)[:200])
    sys.addaudithook(_hook)
