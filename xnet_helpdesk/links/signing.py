"""Signed links to an incident: a token binds one incident to one contact until an expiry. No Frappe imports.

token = base64url(payload) "." base64url(HMAC-SHA256(key, payload)), payload = incident \\n contact \\n expiry.
Changing any byte of the token (another incident number, another contact, a later expiry) breaks the
signature; the key is derived from the site's secret, so a token of one site is worthless on another.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass

_KEY_CONTEXT = b"xnet_helpdesk portal link v1"
MAX_TOKEN_LENGTH = 600


class InvalidToken(ValueError):
	"""The token is malformed, forged, expired or for something else (the caller need not say which)."""


@dataclass(frozen=True)
class Claims:
	incident: str
	contact: str
	expires: int


def derive_key(site_secret: str | bytes) -> bytes:
	"""A key used only for portal links, so the site secret itself never signs user-visible data."""
	secret = site_secret.encode() if isinstance(site_secret, str) else site_secret
	if not secret:
		raise ValueError("the site secret is empty")
	return hmac.new(secret, _KEY_CONTEXT, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
	return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
	return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, payload: bytes) -> bytes:
	return hmac.new(key, payload, hashlib.sha256).digest()


def sign(key: bytes, incident: str, contact: str, expires: int) -> str:
	if not incident or not contact or "\n" in incident or "\n" in contact:
		raise ValueError("incident and contact are required and single-line")
	payload = f"{incident}\n{contact}\n{int(expires)}".encode()
	return f"{_b64(payload)}.{_b64(_signature(key, payload))}"


def verify(key: bytes, token: str, now: float) -> Claims:
	"""The token's claims when its signature is right and it has not expired; InvalidToken otherwise."""
	if not token or not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
		raise InvalidToken("malformed")
	encoded_payload, encoded_signature = token.split(".")
	try:
		payload = _unb64(encoded_payload)
		signature = _unb64(encoded_signature)
	except (ValueError, TypeError):
		raise InvalidToken("malformed")
	# only the canonical spelling counts: base64's spare bits would otherwise give one token many forms
	if _b64(payload) != encoded_payload or _b64(signature) != encoded_signature:
		raise InvalidToken("malformed")
	if not hmac.compare_digest(signature, _signature(key, payload)):
		raise InvalidToken("bad signature")
	try:
		incident, contact, expires = payload.decode().split("\n")
		expires = int(expires)
	except ValueError:
		raise InvalidToken("malformed payload")
	if expires < now:
		raise InvalidToken("expired")
	return Claims(incident=incident, contact=contact, expires=expires)


def expiry(now: float, days: int) -> int:
	"""Links last whole days; at least one."""
	return int(now) + max(int(days or 0), 1) * 86400
