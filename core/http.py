"""HTTP helpers shared by the HTML pages of every app."""
from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str) -> str:
    """The `next` the request names (POST, then GET) when it stays on this site, else `default`."""
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return nxt
    return default


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or with `NETFLOOX_PROXY_COUNT` proxies in front, the
    address the outermost of them appended to X-Forwarded-For (what DRF's throttles read with
    NUM_PROXIES; entries a client wrote itself, further left, are ignored)."""
    count = settings.NETFLOOX_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-min(count, len(hops))]
    return request.META.get("REMOTE_ADDR", "")
