"""The bearer tokens of SCIM sources: random, shown once, only their SHA-256 kept (a 256-bit random
token needs no slow hash: nothing to guess)."""

import hashlib
import secrets

PREFIX = "xscim_"


def token_hash(token: str) -> str:
	return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
	token = PREFIX + secrets.token_urlsafe(32)
	return token, token_hash(token)


def bearer(header: str | None) -> str | None:
	"""The token of an `Authorization: Bearer …` header, else None."""
	scheme, _space, token = (header or "").strip().partition(" ")
	token = token.strip()
	if scheme.lower() != "bearer" or not token.startswith(PREFIX) or len(token) > 200:
		return None
	return token
