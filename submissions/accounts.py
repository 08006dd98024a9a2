"""Account helpers that are not views: where a login attempt comes from."""

from django.conf import settings


def client_ip(request) -> str:
    """
    The address a request came from, for login lockouts.

    Behind a proxy named in FORWARDED_ALLOW_IPS every request arrives from the
    proxy, so the last X-Forwarded-For entry (the one the proxy added) is the
    client; from anywhere else the header is the client's to forge and is ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    trusted = settings.FORWARDED_ALLOW_IPS
    if forwarded and ("*" in trusted or remote in trusted):
        return forwarded.split(",")[-1].strip() or remote
    return remote
