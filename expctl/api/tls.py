"""Which certificates expctl trusts, and what went wrong when one is not trusted."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl


def tls_context(host: str, ca_bundle: str | None) -> ssl.SSLContext:
    """The CAs to trust, always verifying: ``--ca-bundle`` (or ``EXPCTL_CA_BUNDLE`` /
    ``SSL_CERT_FILE``), else ``SSL_CERT_DIR``, else the CA bundle httpx ships with (certifi).

    A plain-http host never does TLS (cross-origin redirects are not followed), so it
    gets a context that verifies against no CA at all instead of paying to load one: if
    TLS were ever attempted (an https proxy for an http host) it fails closed."""
    import os
    import ssl

    if not host.startswith("https://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies hostnames and certificates
    if ca_bundle:
        try:
            return ssl.create_default_context(cafile=ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            from expctl.errors import UsageError

            raise UsageError(f"cannot load CA bundle {ca_bundle}: {exc}") from None
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi  # the CA bundle httpx itself trusts

    return ssl.create_default_context(cafile=certifi.where())


def certificate_problem(exc: BaseException) -> str | None:
    """What is wrong with the server's certificate, when that is why the connection failed."""
    import ssl

    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            break
        if isinstance(seen, ssl.SSLCertVerificationError):
            return str(seen.verify_message or seen.reason or "certificate verify failed")
        if isinstance(seen, ssl.SSLError):
            return str(seen.reason or seen).lower().replace("_", " ")
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    return "certificate verify failed" if "CERTIFICATE_VERIFY_FAILED" in text else None


# OpenSSL's words when the other end answered the handshake with something that is not
# TLS, which is what a plain-http port sends back (an HTTP error page): no CA can fix it.
_PLAIN_HTTP_REASONS = ("wrong version number", "http request", "packet length too long", "record layer failure")


def speaks_plain_http(problem: str) -> bool:
    """Whether a TLS failure means the port speaks plain http, not https."""
    return any(reason in problem for reason in _PLAIN_HTTP_REASONS)
