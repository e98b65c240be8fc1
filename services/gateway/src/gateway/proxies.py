"""Which address a request comes from: its TCP peer, unless that peer is a proxy named in
`FORWARDED_ALLOW_IPS`; then `Forwarded` (RFC 7239) or `X-Forwarded-For` says whom it forwards for.

The forwarded chain is read from the right (the hop the trusted proxy itself added) and the first
address that is not a trusted proxy is the client: whatever a client writes into these headers
itself sits further left and is never reached. With no trusted proxies (the default) the headers
are ignored altogether, so a client cannot choose the address its sign-in attempts count against.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Annotated

from fastapi import Depends, Request


def parse_networks(entries: Iterable[str]) -> list[IPv4Network | IPv6Network]:
    """`10.0.0.5`, `10.0.0.0/8`, `::1`, ...; `ValueError` names a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {entry!r}") from None
    return networks


def _forwarded_for(values: list[str]) -> list[str]:
    """The `for=` of each element of `Forwarded: for=192.0.2.60;proto=http, for="[::1]:80"`."""
    hops = []
    for element in ",".join(values).split(","):
        for pair in element.split(";"):
            name, _, value = pair.strip().partition("=")
            if name.lower() != "for":
                continue
            value = value.strip().strip('"')
            if value.startswith("["):  # [IPv6]:port
                value = value[1:].partition("]")[0]
            elif value.count(":") == 1:  # IPv4:port
                value = value.partition(":")[0]
            hops.append(value)
    return hops


def _x_forwarded_for(values: list[str]) -> list[str]:
    return [hop.strip() for hop in ",".join(values).split(",") if hop.strip()]


class TrustedProxies:
    """The proxies whose forwarding headers are believed (none by default)."""

    def __init__(self, entries: Iterable[str]) -> None:
        self._networks = parse_networks(entries)

    def trusts(self, address: str) -> bool:
        try:
            ip = ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._networks)

    def client(self, peer: str, forwarded: list[str], x_forwarded_for: list[str]) -> str:
        """The client's address, given the TCP peer and the forwarding headers' values."""
        if not self.trusts(peer):
            return peer
        hops = _forwarded_for(forwarded) or _x_forwarded_for(x_forwarded_for)
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop
        return hops[0] if hops else peer


async def client_address(request: Request) -> str:
    """The address the request comes from (see the module docstring)."""
    proxies: TrustedProxies = request.app.state.trusted_proxies
    peer = request.client.host if request.client else "unknown"
    headers = request.headers
    return proxies.client(peer, headers.getlist("forwarded"), headers.getlist("x-forwarded-for"))


ClientAddress = Annotated[str, Depends(client_address)]
