"""The address phones use to join: never 127.0.0.1, which a phone cannot reach.

A deployment sets PUBLIC_URL. A laptop in a hall without internet (make run HOST=0.0.0.0) uses
the address the laptop has on the hall's Wi-Fi, found from its routing table (no packet is sent).
"""
import socket

from flask import current_app, request

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0"}


def lan_address() -> str | None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.254.254.254", 1))  # UDP connect only picks a route; nothing is sent
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def public_base_url() -> str:
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    hostname, _, port = request.host.rpartition(":") if request.host.count(":") == 1 else (request.host, "", "")
    if hostname not in LOOPBACK:
        return request.host_url.rstrip("/")
    address = lan_address()
    if address is None:
        return request.host_url.rstrip("/")
    return f"{request.scheme}://{address}" + (f":{port}" if port else "")
