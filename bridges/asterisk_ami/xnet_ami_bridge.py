#!/usr/bin/env python3
"""XNet Helpdesk ⇐ Asterisk: a small bridge that listens to the Asterisk Manager Interface (AMI) and posts
the queue's calls to the helpdesk as Zammad-style generic CTI events.

    QueueCallerJoin            -> newCall  (from the caller, to the queue's number, queue)
    AgentConnect               -> answer   (user = the member's name, answeringNumber = the extension)
    AgentComplete              -> hangup   (cause normalClearing)
    QueueCallerAbandon         -> hangup   (cause cancel)

Runs next to the PBX; connects out to AMI (usually 127.0.0.1:5038) and to the helpdesk over HTTPS only.
Events wait in order when the helpdesk is unreachable and are retried with exponential backoff; the
helpdesk is idempotent, so a retried event never makes a second call.

Needs Python 3.9+ and `requests`. The AMI text protocol is spoken directly (see README: the Python AMI
clients were looked at and none is both maintained and small enough to trust here).

    python3 xnet_ami_bridge.py /etc/xnet-ami-bridge.ini
"""

import argparse
import collections
import configparser
import hashlib
import hmac
import json
import logging
import re
import socket
import threading
import time

import requests

log = logging.getLogger("xnet_ami_bridge")

ENDPOINT = "/api/method/xnet_helpdesk.telephony.api.event"
# statuses worth retrying: the helpdesk (or a proxy in front of it) is down, busy or limiting us
RETRY_STATUSES = {401, 408, 425, 429, 500, 502, 503, 504}
_INTERFACE_EXTENSION = re.compile(r"^(?:[A-Za-z0-9]+/)?(\d{2,6})(?:@.*)?$")


# --- the AMI text protocol -----------------------------------------------------------------------------


class LoginRefused(Exception):
	"""AMI said no to the username and secret: retrying will not help (not an OSError, unlike PermissionError)."""


def parse_message(text: str) -> dict:
	"""One AMI message ('Key: Value' lines) as a dict; a repeated key keeps its first value."""
	message = {}
	for line in text.split("\r\n"):
		key, sep, value = line.partition(":")
		if sep and key.strip() and key.strip() not in message:
			message[key.strip()] = value.strip()
	return message


def format_action(fields: dict) -> bytes:
	return "".join(f"{key}: {value}\r\n" for key, value in fields.items()).encode() + b"\r\n"


class AmiConnection:
	"""A logged-in AMI session; `messages()` yields each event as a dict."""

	def __init__(self, host: str, port: int, username: str, secret: str, timeout: float = 30.0):
		self.sock = socket.create_connection((host, port), timeout=timeout)
		self.buffer = b""
		banner = self._read_line()
		if not banner.startswith("Asterisk Call Manager"):
			raise ConnectionError(f"not an AMI server: {banner!r}")
		self.sock.sendall(
			format_action(
				{
					"Action": "Login",
					"ActionID": "xnet-login",
					"Username": username,
					"Secret": secret,
					"Events": "on",
				}
			)
		)
		for message in self.messages():
			if message.get("ActionID") == "xnet-login" or "Response" in message:
				if message.get("Response") != "Success":
					raise LoginRefused("AMI login refused: " + message.get("Message", "no reason"))
				break
		self.sock.settimeout(None)

	def _read_line(self) -> str:
		while b"\r\n" not in self.buffer:
			self._fill()
		line, self.buffer = self.buffer.split(b"\r\n", 1)
		return line.decode("utf-8", "replace")

	def _fill(self):
		chunk = self.sock.recv(65536)
		if not chunk:
			raise ConnectionError("AMI closed the connection")
		self.buffer += chunk

	def messages(self):
		while True:
			while b"\r\n\r\n" not in self.buffer:
				self._fill()
			block, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
			if block.strip():
				yield parse_message(block.decode("utf-8", "replace"))

	def close(self):
		try:
			self.sock.close()
		except OSError:
			pass


# --- AMI events to CTI events ---------------------------------------------------------------------------


def extension_of(event: dict) -> str:
	"""The answering agent's extension: its caller ID, else the number in its interface (PJSIP/101)."""
	number = (event.get("DestCallerIDNum") or "").strip()
	if number.isdigit():
		return number
	match = _INTERFACE_EXTENSION.match((event.get("Interface") or "").strip())
	return match.group(1) if match else ""


def translate(event: dict, queue_numbers: dict | None = None, now: float | None = None) -> dict | None:
	"""The CTI event for an AMI event, or None for the many events the helpdesk does not need."""
	name = event.get("Event")
	call_id = event.get("Uniqueid") or event.get("Linkedid")
	if not name or not call_id:
		return None
	stamp = event.get("Timestamp")
	base = {"callId": call_id, "timestamp": float(stamp) if _is_number(stamp) else (now or time.time())}
	queue = event.get("Queue", "")
	if name == "QueueCallerJoin":
		to = (queue_numbers or {}).get(queue) or event.get("Exten", "")
		caller = event.get("CallerIDNum", "")
		return {
			**base,
			"event": "newCall",
			"direction": "in",
			"from": "" if caller in ("", "<unknown>") else caller,
			"to": to,
			"queue": queue,
		}
	if name == "AgentConnect":
		return {
			**base,
			"event": "answer",
			"direction": "in",
			"user": event.get("MemberName", ""),
			"answeringNumber": extension_of(event),
			"queue": queue,
		}
	if name == "AgentComplete":
		return {**base, "event": "hangup", "cause": "normalClearing"}
	if name == "QueueCallerAbandon":
		return {**base, "event": "hangup", "cause": "cancel"}
	return None


def _is_number(value) -> bool:
	try:
		float(value)
	except (TypeError, ValueError):
		return False
	return True


# --- posting, in order, with retries ---------------------------------------------------------------------


class Sender:
	"""Posts events one after another (so each call's events keep their order); an event the helpdesk
	could not take is retried with exponential backoff before anything behind it is sent."""

	def __init__(
		self,
		url: str,
		system: str,
		token: str,
		hmac_secret: str = "",
		max_queue: int = 10000,
		first_delay: float = 1.0,
		max_delay: float = 60.0,
		timeout: float = 10.0,
		verify=True,
		session=None,
	):
		self.url = url.rstrip("/") + ENDPOINT
		self.system, self.token, self.hmac_secret = system, token, hmac_secret
		self.queue = collections.deque(maxlen=max_queue)
		self.first_delay, self.max_delay, self.timeout, self.verify = first_delay, max_delay, timeout, verify
		self.session = session or requests.Session()
		self.ready = threading.Condition()
		self.stopped = False
		self.sent = 0

	def put(self, event: dict) -> None:
		with self.ready:
			if len(self.queue) == self.queue.maxlen:
				log.error(
					"queue full: the oldest waiting event (call %s) is dropped", self.queue[0]["callId"]
				)
			self.queue.append(event)
			self.ready.notify()

	def stop(self) -> None:
		with self.ready:
			self.stopped = True
			self.ready.notify()

	def run(self) -> None:
		while True:
			with self.ready:
				while not self.queue and not self.stopped:
					self.ready.wait()
				if self.stopped and not self.queue:
					return
				event = self.queue[0]
			self._deliver(event)
			with self.ready:
				self.queue.popleft()

	def _deliver(self, event: dict) -> None:
		delay = self.first_delay
		while not self.stopped:
			outcome = self.post(event)
			if outcome != "retry":
				return
			log.warning("helpdesk unreachable, retrying call %s in %.0f s", event["callId"], delay)
			time.sleep(delay)
			delay = min(delay * 2, self.max_delay)

	def post(self, event: dict) -> str:
		body = json.dumps(event).encode()
		headers = {
			"Content-Type": "application/json",
			"X-Phone-System": self.system,
			"X-Phone-Token": self.token,
		}
		if self.hmac_secret:
			digest = hmac.new(self.hmac_secret.encode(), body, hashlib.sha256).hexdigest()
			headers["X-Phone-Signature"] = "sha256=" + digest
		try:
			response = self.session.post(
				self.url, data=body, headers=headers, timeout=self.timeout, verify=self.verify
			)
		except requests.RequestException as error:
			log.warning("posting %s of call %s failed: %s", event["event"], event["callId"], error)
			return "retry"
		if response.status_code in RETRY_STATUSES:
			return "retry"
		if response.status_code >= 400:
			# the helpdesk refuses this event for good (it names the field): keeping it would block the rest
			log.error(
				"event %s of call %s refused: %s %s",
				event["event"],
				event["callId"],
				response.status_code,
				response.text[:300],
			)
			return "refused"
		self.sent += 1
		return "sent"


# --- the program ------------------------------------------------------------------------------------------


def load_config(path: str) -> configparser.ConfigParser:
	config = configparser.ConfigParser(interpolation=None)
	if not config.read(path):
		raise SystemExit(f"cannot read {path}")
	for section, keys in {
		"ami": ("host", "username", "secret"),
		"helpdesk": ("url", "phone_system", "token"),
	}.items():
		for key in keys:
			if not config.get(section, key, fallback="").strip():
				raise SystemExit(f"{path}: [{section}] {key} is required")
	return config


def listen(config, sender: Sender, once: bool = False) -> None:
	"""Connects to AMI and feeds the sender; reconnects with backoff when AMI goes away."""
	ami = config["ami"]
	queue_numbers = dict(config["queues"]) if config.has_section("queues") else {}
	delay = 1.0
	while not sender.stopped:
		try:
			connection = AmiConnection(
				ami.get("host"), ami.getint("port", 5038), ami.get("username"), ami.get("secret")
			)
		except LoginRefused as error:
			raise SystemExit(str(error))
		except (OSError, ConnectionError) as error:
			log.warning("AMI unreachable (%s), retrying in %.0f s", error, delay)
			time.sleep(delay)
			delay = min(delay * 2, 60.0)
			continue
		log.info("connected to AMI at %s", ami.get("host"))
		delay = 1.0
		try:
			for message in connection.messages():
				event = translate(message, queue_numbers)
				if event:
					sender.put(event)
		except (OSError, ConnectionError) as error:
			log.warning("AMI connection lost: %s", error)
		finally:
			connection.close()
		if once:
			return


def main(argv=None) -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("config", help="the INI file (see xnet-ami-bridge.ini.example)")
	args = parser.parse_args(argv)
	config = load_config(args.config)
	logging.basicConfig(
		level=config.get("bridge", "log_level", fallback="INFO"),
		format="%(asctime)s %(levelname)s %(message)s",
	)
	helpdesk = config["helpdesk"]
	verify = helpdesk.get("ca_bundle", "").strip() or helpdesk.getboolean("verify_tls", True)
	sender = Sender(
		helpdesk.get("url"),
		helpdesk.get("phone_system"),
		helpdesk.get("token"),
		helpdesk.get("hmac_secret", ""),
		max_queue=config.getint("bridge", "max_queue", fallback=10000),
		max_delay=config.getfloat("bridge", "max_retry_delay", fallback=60.0),
		verify=verify,
	)
	threading.Thread(target=sender.run, name="sender", daemon=True).start()
	try:
		listen(config, sender)
	except KeyboardInterrupt:
		pass
	finally:
		sender.stop()


if __name__ == "__main__":
	main()
