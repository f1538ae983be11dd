"""The demo's outgoing mail, readable as the client receives it.

`./run-demo` runs `python -m xnet_helpdesk.demo.mailbox` beside the bench's processes: an SMTP server on
127.0.0.1 that accepts every message and keeps it as an .eml file (open it in any mail program), printing one
line per message. `use_local_mailbox` points the site's default outgoing Email Account at it, so the
notifications of the demo go out through Frappe's Email Queue exactly as they would in production.
Not for production: it delivers nothing anywhere.
"""

import argparse
import email
import time
from email import policy
from pathlib import Path

import frappe

# its name is the sender's name the client sees
ACCOUNT = "Служба поддержки XNet"


def use_local_mailbox(port: int = 2525, email_id: str = "support@demo.xnet.kz") -> str:
	"""The site's default outgoing account sends to the local mailbox. Run by run-demo; idempotent."""
	values = {
		"email_id": email_id,
		"enable_outgoing": 1,
		"default_outgoing": 1,
		"smtp_server": "127.0.0.1",
		"smtp_port": port,
		"use_tls": 0,
		"use_ssl_for_outgoing": 0,
		"no_smtp_authentication": 1,
		"enable_incoming": 0,
	}
	if frappe.db.exists("Email Account", ACCOUNT):
		doc = frappe.get_doc("Email Account", ACCOUNT)
		doc.update(values)
		doc.save(ignore_permissions=True)  # system setup by the demo command, not a user's edit
	else:
		frappe.get_doc({"doctype": "Email Account", "email_account_name": ACCOUNT, **values}).insert(
			ignore_permissions=True
		)
	frappe.db.commit()
	return ACCOUNT


def start(port: int, folder: Path):
	"""The mailbox's SMTP server, running in a thread; .stop() it."""
	from aiosmtpd.controller import Controller

	folder.mkdir(parents=True, exist_ok=True)

	class Keep:
		async def handle_DATA(self, server, session, envelope):
			raw = envelope.original_content or envelope.content
			message = email.message_from_bytes(raw, policy=policy.default)
			path = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns() % 10**6:06d}.eml"
			path.write_bytes(raw)
			print(f"to {', '.join(envelope.rcpt_tos)}: {message['Subject']}  ({path})", flush=True)
			return "250 OK"

	controller = Controller(Keep(), hostname="127.0.0.1", port=port)
	controller.start()
	return controller


def serve(port: int, folder: Path) -> None:
	controller = start(port, folder)
	print(f"demo mailbox on 127.0.0.1:{port}, keeping mail in {folder}", flush=True)
	try:
		while True:
			time.sleep(3600)
	finally:
		controller.stop()


if __name__ == "__main__":
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--port", type=int, default=2525)
	parser.add_argument("--folder", type=Path, required=True)
	arguments = parser.parse_args()
	serve(arguments.port, arguments.folder)
