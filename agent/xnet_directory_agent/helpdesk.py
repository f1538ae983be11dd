"""The helpdesk side: its SCIM 2.0 endpoint (/scim/v2/Users) and the agent's heartbeat
(/scim/v2/AgentHeartbeat), with the Directory Source's bearer token. Every call is outbound HTTPS.

A push is idempotent: the user is looked up by externalId (the objectGUID) first, then replaced (PUT) or
created (POST); sending the same entry twice leaves the helpdesk as sending it once did."""

import threading
from collections.abc import Iterator
from urllib.parse import quote

import requests

from xnet_directory_agent import __version__
from xnet_directory_agent.config import HelpdeskConfig

SCIM = "/scim/v2"
CONTENT_TYPE = "application/scim+json"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BATCH_HEADER = "X-XNet-Sync-Batch"  # groups a pass's requests into one Directory Sync Log


class Unavailable(Exception):
	"""Worth trying again later: no connection, a timeout, 5xx, 429, or a token the helpdesk refused."""


class Rejected(Exception):
	"""The helpdesk answered this one entry with a definite no (400, 409): trying again changes nothing."""

	def __init__(self, status: int, detail: str):
		super().__init__(f"{status}: {detail}")
		self.status = status
		self.detail = detail


def _detail(response: requests.Response) -> str:
	try:
		body = response.json()
	except ValueError:
		return response.text[:300]
	if isinstance(body, dict):
		return str(body.get("detail") or body.get("message") or body)[:300]
	return str(body)[:300]


class Helpdesk:
	def __init__(self, config: HelpdeskConfig):
		self.config = config
		self.base = config.url.rstrip("/") + SCIM
		self._local = threading.local()
		self.batch_key = ""

	@property
	def session(self) -> requests.Session:
		session = getattr(self._local, "session", None)
		if session is None:
			session = self._local.session = requests.Session()
			session.headers.update(
				{
					"Authorization": f"Bearer {self.config.token}",
					"Accept": f"{CONTENT_TYPE}, application/json",
					"User-Agent": f"xnet-directory-agent/{__version__}",
				}
			)
			session.verify = self.config.verify
		return session

	def _call(self, method: str, path: str, body=None, params=None) -> requests.Response:
		headers = {"Content-Type": CONTENT_TYPE} if body is not None else {}
		if self.batch_key:
			headers[BATCH_HEADER] = self.batch_key
		try:
			response = self.session.request(
				method,
				self.base + path,
				json=body,
				params=params,
				headers=headers,
				timeout=self.config.timeout,
			)
		except requests.RequestException as error:
			raise Unavailable(f"{type(error).__name__}: {error}") from None
		if response.status_code in (401, 403):
			raise Unavailable(f"{response.status_code}: the helpdesk refused the token ({_detail(response)})")
		if response.status_code == 429 or response.status_code >= 500:
			raise Unavailable(f"{response.status_code}: {_detail(response)}")
		return response

	def find(self, external_id: str) -> dict | None:
		response = self._call(
			"GET", "/Users", params={"filter": f'externalId eq "{_quoted(external_id)}"', "count": 2}
		)
		if response.status_code != 200:
			raise Rejected(response.status_code, _detail(response))
		found = response.json().get("Resources") or []
		return found[0] if found else None

	def push(self, user: dict) -> str:
		"""Create or update one user; returns "created", "updated" or "skipped" (a disabled account the
		helpdesk never had: nothing to disable). Raises Unavailable or Rejected."""
		current = self.find(user["externalId"])
		if current is None:
			if not user.get("active", True):
				return "skipped"
			response = self._call("POST", "/Users", user)
			if response.status_code == 201:
				return "created"
			raise Rejected(response.status_code, _detail(response))
		response = self._call("PUT", f"/Users/{quote(current['id'], safe='')}", {**user, "id": current["id"]})
		if response.status_code == 200:
			return "updated"
		if response.status_code == 404:  # deleted in the helpdesk meanwhile: the next pass creates it
			raise Unavailable("the user vanished while it was updated")
		raise Rejected(response.status_code, _detail(response))

	def deactivate(self, user_id: str) -> None:
		body = {
			"schemas": [PATCH_SCHEMA],
			"Operations": [{"op": "replace", "path": "active", "value": False}],
		}
		response = self._call("PATCH", f"/Users/{quote(user_id, safe='')}", body)
		if response.status_code != 200:
			raise Rejected(response.status_code, _detail(response))

	def iter_users(self, page: int = 500) -> Iterator[dict]:
		"""Every user of this Directory Source, `page` at a time (SCIM startIndex/count paging)."""
		start = 1
		while True:
			response = self._call("GET", "/Users", params={"startIndex": start, "count": page})
			if response.status_code != 200:
				raise Rejected(response.status_code, _detail(response))
			body = response.json()
			resources = body.get("Resources") or []
			yield from resources
			start += len(resources)
			if not resources or start > int(body.get("totalResults") or 0):
				return

	def heartbeat(self, report: dict) -> dict:
		response = self._call("POST", "/AgentHeartbeat", report)
		if response.status_code != 200:
			raise Rejected(response.status_code, _detail(response))
		return response.json()


def _quoted(value: str) -> str:
	return value.replace("\\", "\\\\").replace('"', '\\"')
