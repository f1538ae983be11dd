"""Real mail servers on loopback for the intake tests: Debian's dovecot (IMAP) and an SMTP sink (aiosmtpd)."""

import email
import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from email import policy
from pathlib import Path

MAILBOX_USER = "support@xnet.test"
MAILBOX_PASSWORD = "support-secret"

DOVECOT_CONF = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {mail_group}
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}
service anvil {{
  chroot = {anvil_chroot}
}}
service imap-login {{
  chroot = {login_chroot}
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def free_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


def dovecot_binary() -> str | None:
	"""Debian puts it in /usr/sbin, which an ordinary user's PATH (the bench owner's) lacks."""
	return shutil.which("dovecot", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")


def unavailable_reason() -> str | None:
	if not dovecot_binary():
		return "dovecot is not installed (Debian package dovecot-imapd; .ci/run installs it)"
	try:
		import aiosmtpd
	except ImportError:
		return "aiosmtpd is not installed (requirements-test.txt)"
	return None


class Dovecot:
	"""A private dovecot instance with one mailbox; messages are delivered with IMAP APPEND."""

	def __init__(self):
		self.root = Path(tempfile.mkdtemp(prefix="xnet-dovecot-"))
		self.port = free_port()
		for sub in ("run", "state", "mail"):
			(self.root / sub).mkdir()
		(self.root / "passwd").write_text(f"{MAILBOX_USER}:{{PLAIN}}{MAILBOX_PASSWORD}::::::\n")
		self.config = self.root / "dovecot.conf"
		self.config.write_text(DOVECOT_CONF.format(root=self.root, port=self.port, **self.accounts()))
		self.root.chmod(0o755)
		if os.geteuid() == 0:
			shutil.chown(self.root / "mail", "dovecot", "dovecot")
		self.process = subprocess.Popen(
			[dovecot_binary(), "-F", "-c", str(self.config)],
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
		)
		deadline = time.monotonic() + 20
		while time.monotonic() < deadline:
			try:
				with socket.create_connection(("127.0.0.1", self.port), timeout=1):
					return
			except OSError:
				time.sleep(0.1)
		self.stop()
		raise RuntimeError(f"dovecot did not start; log: {self.log()}")

	@staticmethod
	def accounts() -> dict:
		"""Dovecot's own users when started by root; else everything runs as the user (the bench's owner)."""
		if os.geteuid() == 0:
			return {
				"login_user": "dovenull",
				"internal_user": "dovecot",
				"mail_user": "dovecot",
				"mail_group": "dovecot",
				"login_chroot": "login",
				"anvil_chroot": "empty",
			}
		user, group = pwd.getpwuid(os.geteuid()).pw_name, grp.getgrgid(os.getegid()).gr_name
		return {
			"login_user": user,
			"internal_user": user,
			"mail_user": user,
			"mail_group": group,
			"login_chroot": "",
			"anvil_chroot": "",
		}

	def log(self) -> str:
		path = self.root / "dovecot.log"
		return path.read_text()[-2000:] if path.exists() else ""

	def imap(self) -> imaplib.IMAP4:
		connection = imaplib.IMAP4("127.0.0.1", self.port)
		connection.login(MAILBOX_USER, MAILBOX_PASSWORD)
		return connection

	def deliver(self, *messages) -> None:
		connection = self.imap()
		try:
			for message in messages:
				raw = message if isinstance(message, bytes) else message.as_bytes(policy=policy.SMTP)
				status, _ = connection.append("INBOX", None, None, raw)
				assert status == "OK"
		finally:
			connection.logout()

	def clear(self) -> None:
		connection = self.imap()
		try:
			connection.select("INBOX")
			connection.store("1:*", "+FLAGS", "\\Deleted")
			connection.expunge()
		except imaplib.IMAP4.error:
			pass
		finally:
			connection.logout()

	def stop(self) -> None:
		self.process.terminate()
		try:
			self.process.wait(timeout=10)
		except subprocess.TimeoutExpired:
			self.process.kill()
		shutil.rmtree(self.root, ignore_errors=True)


class SmtpSink:
	"""An SMTP server that accepts everything and keeps it; it can be stopped to simulate an outage."""

	def __init__(self, port: int | None = None):
		self.port = port or free_port()
		self.messages: list[email.message.EmailMessage] = []
		self._lock = threading.Lock()
		self.controller = None
		self.start()

	def start(self) -> None:
		from aiosmtpd.controller import Controller

		sink = self

		class Handler:
			async def handle_DATA(self, server, session, envelope):
				parsed = email.message_from_bytes(
					envelope.original_content or envelope.content, policy=policy.default
				)
				with sink._lock:
					sink.messages.append(parsed)
				return "250 OK"

		def accept_any_login(server, session, envelope, mechanism, auth_data):
			from aiosmtpd.smtp import AuthResult

			return AuthResult(success=True)

		# Frappe logs in with the mailbox credentials; the sink accepts them over plain SMTP on loopback
		self.controller = Controller(
			Handler(),
			hostname="127.0.0.1",
			port=self.port,
			authenticator=accept_any_login,
			auth_require_tls=False,
		)
		self.controller.start()

	def stop(self) -> None:
		if self.controller:
			self.controller.stop()
			self.controller = None

	def received(self) -> list:
		with self._lock:
			return list(self.messages)

	def wait_for(self, predicate, timeout: float = 10.0) -> list:
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			found = [m for m in self.received() if predicate(m)]
			if found:
				return found
			time.sleep(0.1)
		return []


def read_queued(raw: str) -> tuple[str, str]:
	"""An Email Queue row's message as the client reads it: the decoded subject and the text of its parts
	(quoted-printable and base64 undone)."""
	message = email.message_from_string(raw, policy=policy.default)
	parts = [
		part.get_content()
		for part in message.walk()
		if part.get_content_maintype() == "text" and not part.is_attachment()
	]
	return str(message["Subject"] or ""), "\n".join(parts)


def queued_for(recipient: str, **filters) -> list[tuple[str, str]]:
	"""(subject, text) of the e-mails queued for an address, oldest first, within the caller's transaction."""
	import frappe

	parents = frappe.get_all("Email Queue Recipient", filters={"recipient": recipient}, pluck="parent")
	raw = frappe.get_all(
		"Email Queue",
		filters={"name": ("in", parents or [""]), **filters},
		pluck="message",
		order_by="creation",
	)
	return [read_queued(message) for message in raw]
