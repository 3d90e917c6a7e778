"""A small async WebDAV client for CalDAV (RFC 4791) and CardDAV (RFC 6352) over httpx.

Only what os1 needs: discover the user's calendar and address-book homes, list and create
collections, query objects, and PUT/DELETE them with ETag preconditions so a change made on
the server meanwhile is never overwritten. Every failure becomes a :class:`DavError` with one
sentence a user can act on (server down, wrong password, missing collection, edit race).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from os1.errors import Os1Error

NS = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:caldav", "r": "urn:ietf:params:xml:ns:carddav"}
Kind = Literal["calendar", "addressbook"]


class DavError(Os1Error):
    """The calendar or contacts server could not be used."""

    exit_code = 3


@dataclass(frozen=True)
class Collection:
    url: str
    name: str
    kind: Kind


@dataclass(frozen=True)
class DavObject:
    href: str  # absolute URL
    etag: str
    data: str


def _xml(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


_PROPFIND_HOME = _xml(
    '<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" '
    'xmlns:r="urn:ietf:params:xml:ns:carddav"><d:prop><d:current-user-principal/>'
    "<c:calendar-home-set/><r:addressbook-home-set/></d:prop></d:propfind>"
)
_PROPFIND_COLLECTIONS = _xml(
    '<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:displayname/></d:prop></d:propfind>'
)
_ADDRESSBOOK_QUERY = _xml(
    '<r:addressbook-query xmlns:d="DAV:" xmlns:r="urn:ietf:params:xml:ns:carddav">'
    "<d:prop><d:getetag/><r:address-data/></d:prop></r:addressbook-query>"
)


def calendar_query(start: str | None, end: str | None) -> bytes:
    """A calendar-query REPORT for VEVENTs, optionally in a UTC range (YYYYMMDDTHHMMSSZ)."""
    rng = f'<c:time-range start="{start}" end="{end}"/>' if start and end else ""
    return _xml(
        '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
        "<d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter>"
        '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">'
        f"{rng}</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"
    )


def _mkcol_body(kind: Kind, name: str) -> bytes:
    safe = name.replace("&", "&amp;").replace("<", "&lt;")
    if kind == "calendar":
        return _xml(
            '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set>'
            f"<d:prop><d:displayname>{safe}</d:displayname></d:prop></d:set></c:mkcalendar>"
        )
    return _xml(
        '<d:mkcol xmlns:d="DAV:" xmlns:r="urn:ietf:params:xml:ns:carddav"><d:set><d:prop>'
        "<d:resourcetype><d:collection/><r:addressbook/></d:resourcetype>"
        f"<d:displayname>{safe}</d:displayname></d:prop></d:set></d:mkcol>"
    )


def parse_multistatus(text: str) -> list[tuple[str, dict[str, ET.Element]]]:
    """Each response's href with its successfully returned properties, by Clark name."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise DavError(f"The server sent a reply that is not valid XML ({exc}).") from exc
    out: list[tuple[str, dict[str, ET.Element]]] = []
    for resp in root.findall("d:response", NS):
        href = resp.findtext("d:href", default="", namespaces=NS).strip()
        props: dict[str, ET.Element] = {}
        for ps in resp.findall("d:propstat", NS):
            status = ps.findtext("d:status", default="", namespaces=NS)
            if " 200 " not in status + " ":
                continue
            for prop in ps.findall("d:prop", NS):
                for child in prop:
                    props[child.tag] = child
        out.append((href, props))
    return out


def _text(props: dict[str, ET.Element], tag: str) -> str:
    # An Element without children is falsy, so test for None explicitly.
    el = props.get(tag)
    return (el.text or "") if el is not None else ""


def _tag(prefix: str, local: str) -> str:
    return f"{{{NS[prefix]}}}{local}"


class DavClient:
    """One authenticated connection to a DAV server. Use as ``async with DavClient(...)``."""

    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        *,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise DavError(f"'{url}' is not a server address; it should start with http(s)://.")
        self.url = url if url.endswith("/") else url + "/"
        self.username = username
        self._client = httpx.AsyncClient(
            auth=httpx.BasicAuth(username, password),
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
        )

    async def __aenter__(self) -> DavClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    def absolute(self, href: str) -> str:
        return urljoin(self.url, href)

    async def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201, 204, 207),
    ) -> httpx.Response:
        hdrs = {"Content-Type": "application/xml; charset=utf-8"} if body is not None else {}
        hdrs.update(headers or {})
        where = self._where()
        try:
            resp = await self._client.request(method, url, content=body, headers=hdrs)
        except httpx.TimeoutException as exc:
            raise DavError(f"The server at {where} did not answer in time; try again.") from exc
        except httpx.HTTPError as exc:
            raise DavError(
                f"Cannot reach the server at {where}; check that it is running and the address "
                "is right."
            ) from exc
        if resp.status_code in ok:
            return resp
        raise self._status_error(resp, method, url)

    def _where(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def _status_error(self, resp: httpx.Response, method: str, url: str) -> DavError:
        code = resp.status_code
        path = unquote(urlsplit(url).path)
        if code == 401:
            return DavError(
                f"The server at {self._where()} refused user '{self.username}' (wrong user name "
                "or password); run 'os1 calendar connect' again with the right ones."
            )
        if code == 403:
            return DavError(f"User '{self.username}' may not {method} {path} on this server.")
        if code == 404:
            return DavError(f"{path} does not exist on the server; it may have been deleted.")
        if code == 412:
            return DavError(
                f"{path} changed on the server since os1 read it; nothing was overwritten, "
                "try again."
            )
        if code in (400, 415, 422):
            return DavError(f"The server rejected the data for {path} as invalid (HTTP {code}).")
        return DavError(f"The server answered HTTP {code} to {method} {path}.")

    # discovery -----------------------------------------------------------------------
    async def home(self, kind: Kind) -> str:
        """The URL under which the user's calendars (or address books) live."""
        resp = await self.request("PROPFIND", self.url, _PROPFIND_HOME, {"Depth": "0"})
        props = dict(parse_multistatus(resp.text)[0][1]) if resp.text else {}
        prop = _tag("c", "calendar-home-set") if kind == "calendar" else _tag(
            "r", "addressbook-home-set"
        )
        home = props.get(prop)
        if home is None:
            principal = props.get(_tag("d", "current-user-principal"))
            href = principal.findtext("d:href", namespaces=NS) if principal is not None else None
            if not href or self.absolute(href) == self.url:
                return self.url
            resp = await self.request("PROPFIND", self.absolute(href), _PROPFIND_HOME,
                                      {"Depth": "0"})
            home = dict(parse_multistatus(resp.text)[0][1]).get(prop)
            if home is None:
                return self.absolute(href)
        href = home.findtext("d:href", namespaces=NS) or ""
        return self.absolute(href.strip())

    async def collections(self, kind: Kind) -> list[Collection]:
        home = await self.home(kind)
        resp = await self.request("PROPFIND", home, _PROPFIND_COLLECTIONS, {"Depth": "1"})
        want = _tag("c", "calendar") if kind == "calendar" else _tag("r", "addressbook")
        out = []
        for href, props in parse_multistatus(resp.text):
            rtype = props.get(_tag("d", "resourcetype"))
            if rtype is None or rtype.find(want) is None:
                continue
            name = _text(props, _tag("d", "displayname"))
            url = self.absolute(href)
            out.append(Collection(url, name or unquote(url.rstrip("/").rsplit("/", 1)[-1]), kind))
        return out

    async def make_collection(self, kind: Kind, slug: str, name: str) -> Collection:
        url = urljoin(await self.home(kind), slug.strip("/") + "/")
        method = "MKCALENDAR" if kind == "calendar" else "MKCOL"
        await self.request(method, url, _mkcol_body(kind, name), ok=(201, 200))
        return Collection(url, name, kind)

    # objects -------------------------------------------------------------------------
    async def query(self, collection_url: str, body: bytes) -> list[DavObject]:
        resp = await self.request("REPORT", collection_url, body, {"Depth": "1"})
        data_tags = (_tag("c", "calendar-data"), _tag("r", "address-data"))
        out = []
        for href, props in parse_multistatus(resp.text):
            data = next((_text(props, t) for t in data_tags if t in props), None)
            if not data:
                continue
            etag = _text(props, _tag("d", "getetag"))
            out.append(DavObject(self.absolute(href), etag, data))
        return out

    async def query_contacts(self, collection_url: str) -> list[DavObject]:
        return await self.query(collection_url, _ADDRESSBOOK_QUERY)

    async def get(self, href: str) -> DavObject:
        resp = await self.request("GET", href, ok=(200,))
        return DavObject(href, resp.headers.get("ETag", ""), resp.text)

    async def put(self, href: str, data: str, content_type: str, etag: str | None = None,
                  *, overwrite: bool = False) -> str:
        """Create (etag None: only if absent) or replace (only if unchanged); returns the ETag.

        ``overwrite`` drops the precondition: only undo uses it, to put back what was there.
        """
        headers = {"Content-Type": f"{content_type}; charset=utf-8"}
        if not overwrite:
            headers["If-Match" if etag else "If-None-Match"] = etag or "*"
        resp = await self.request("PUT", href, data.encode(), headers, ok=(200, 201, 204))
        return str(resp.headers.get("ETag", ""))

    async def delete(self, href: str, etag: str | None = None) -> None:
        headers = {"If-Match": etag} if etag else {}
        await self.request("DELETE", href, headers=headers, ok=(200, 204))
