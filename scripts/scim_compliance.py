"""A compliance run of scim2-tester (python-scim) against /scim/v2/ of a running site.

scim2-tester needs scim2-models >= 0.12 and so pydantic >= 2.12, which Frappe 15's bench cannot have: run this
from a virtualenv of its own, against the site over HTTP:

    python3 -m venv /tmp/scim-tester && /tmp/scim-tester/bin/pip install scim2-tester "scim2-client[httpx2]"
    /tmp/scim-tester/bin/python scripts/scim_compliance.py http://127.0.0.1:8000/scim/v2 xscim_…

The token is a SCIM source's (Generate SCIM Token); the run creates, changes and deletes users of it.
Prints one line per check and a summary; exits 1 when a check errored.
"""

import sys
from collections import Counter

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server


def main(url: str, token: str) -> int:
	http = Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
	client = SyncSCIMClient(http)
	results = check_server(client)
	counts = Counter()
	for result in results:
		counts[result.status.name] += 1
		print(f"{result.status.name:8} {result.title}: {result.reason or ''}"[:300])
	print(dict(counts))
	return 1 if counts.get(Status.ERROR.name) else 0


if __name__ == "__main__":
	sys.exit(main(*sys.argv[1:3]))
