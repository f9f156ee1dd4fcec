"""Canonical article URLs.

Two feeds that link the same article with different tracking tails (``?utm_source=rss``,
``#comments``) must give the same URL, because the URL is the identity of an entry
that has no GUID and the novelty stage compares URLs across sources. So:

- relative links are resolved against the entry's base (xml:base, the feed URL);
- scheme and host are lower-cased, default ports and the fragment dropped;
- query parameters that only track the reader (utm_*, fbclid, gclid, ...) are dropped;
  the others keep their order, because some sites route on them (``?p=123``).

Only http(s) URLs are canonicalized; other schemes (mailto:, tag:, urn:) and text
that is not a URL at all come back as ``None`` so that they are never taken for a link.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

# Parameter names (lower-case) that say who sent the reader, never what the page is.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid", "igshid", "mc_cid", "mc_eid",
    "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "wickedid",
    "ocid", "cmpid", "ito", "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3",
    "at_custom4", "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee", "icid", "s_cid",
    "ref_src", "feature", "spm", "xtor", "cid_rss", "wt_mc", "wt_zmc", "wt_medium", "wt_campaign",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "matomo_", "hmb_", "ga_")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def is_tracking_param(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def canonical_url(url: str | None, base: str | None = None) -> str | None:
    """The canonical form of ``url`` (resolved against ``base``), or None when it is not an http(s) link."""
    if not url:
        return None
    # Feeds wrap long links over lines; whitespace is never part of a URL.
    url = re.sub(r"\s+", "", url)
    if not url:
        return None
    if base and not _SCHEME.match(url):
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username:  # credentials in a feed link are kept as given: they are part of the address
        cred = parts.username + (f":{parts.password}" if parts.password else "")
        netloc = f"{cred}@{netloc}"
    # Re-quote the path so that "%7E" and "~" or "é" and "%C3%A9" come out the same.
    path = parts.path
    if "/." in path:  # dot segments: let urljoin apply RFC 3986 removal
        path = urlsplit(urljoin("http://h/", path)).path
    path = quote(unquote(path), safe="/:@!$&'()*+,;=~-._") or "/"
    query_pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    query = urlencode(query_pairs, quote_via=quote, safe="/:@!$'()*+,;=~-._") if query_pairs else ""
    return urlunsplit((scheme, netloc, path, query, ""))
