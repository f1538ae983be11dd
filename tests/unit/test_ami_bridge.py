"""The Asterisk AMI bridge against a fake AMI server and a fake helpdesk (both on loopback): the queue's
events become CTI events, posted in order and retried with backoff while the helpdesk is down."""

import configparser
import hashlib
import hmac
import importlib.util
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[2] / "bridges" / "asterisk_ami" / "xnet_ami_bridge.py"
spec = importlib.util.spec_from_file_location("xnet_ami_bridge", PATH)
bridge = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bridge)

SECRET = "hmac-secret"


def ami_block(**fields) -> bytes:
	return "".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode() + b"\r\n"


CALL_A, CALL_B = "1733050000.11", "1733050003.12"
EVENTS = [
	ami_block(Event="FullyBooted", Privilege="system,all", Status="Fully Booted"),
	ami_block(
		Event="QueueCallerJoin",
		Uniqueid=CALL_A,
		CallerIDNum="87015550101",
		Exten="s",
		Queue="support",
		Timestamp="1733050000.5",
	),
	ami_block(Event="Newstate", Uniqueid=CALL_A, ChannelState="6"),
	ami_block(
		Event="QueueCallerJoin", Uniqueid=CALL_B, CallerIDNum="<unknown>", Exten="200", Queue="support"
	),
	ami_block(
		Event="AgentConnect",
		Uniqueid=CALL_A,
		Queue="support",
		MemberName="Айгерим",
		Interface="PJSIP/101",
		DestCallerIDNum="<unknown>",
	),
	ami_block(Event="QueueCallerAbandon", Uniqueid=CALL_B, Queue="support"),
	ami_block(Event="AgentComplete", Uniqueid=CALL_A, Queue="support", Reason="caller"),
]


class FakeAmi:
	def __init__(self, events, accept=True):
		self.server = socket.socket()
		self.server.bind(("127.0.0.1", 0))
		self.server.listen(1)
		self.port = self.server.getsockname()[1]
		self.events, self.accept, self.login = events, accept, None
		threading.Thread(target=self.serve, daemon=True).start()

	def serve(self):
		conn, _ = self.server.accept()
		conn.sendall(b"Asterisk Call Manager/7.0.3\r\n")
		data = b""
		while b"\r\n\r\n" not in data:
			data += conn.recv(4096)
		self.login = bridge.parse_message(data.decode().split("\r\n\r\n")[0])
		if not self.accept:
			conn.sendall(ami_block(Response="Error", ActionID="xnet-login", Message="Authentication failed"))
			conn.close()
			return
		conn.sendall(ami_block(Response="Success", ActionID="xnet-login", Message="Authentication accepted"))
		# several blocks in one write, then one a write: the framing must not depend on it
		conn.sendall(b"".join(self.events[:3]))
		for block in self.events[3:]:
			conn.sendall(block)
		conn.close()


class Helpdesk:
	"""Fails the first `failures` posts with 503, refuses events of `refuse` with 400, records the rest."""

	def __init__(self, failures=0, refuse=()):
		self.received, self.attempts, self.failures, self.refuse = [], 0, failures, set(refuse)
		owner = self

		class Handler(BaseHTTPRequestHandler):
			def do_POST(self):
				body = self.rfile.read(int(self.headers["Content-Length"]))
				owner.attempts += 1
				expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
				event = json.loads(body)
				if owner.attempts <= owner.failures:
					status = 503
				elif (
					self.headers["X-Phone-Token"] != "token" or self.headers["X-Phone-Signature"] != expected
				):
					status = 401
				elif event["event"] in owner.refuse:
					status = 400
				else:
					owner.received.append(event)
					status = 200
				self.send_response(status)
				self.send_header("Content-Type", "application/json")
				self.end_headers()
				self.wfile.write(b"{}")

			def log_message(self, *args):
				pass

		self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
		threading.Thread(target=self.http.serve_forever, daemon=True).start()
		self.url = f"http://127.0.0.1:{self.http.server_address[1]}"

	def close(self):
		self.http.shutdown()


def config(ami_port, url):
	parsed = configparser.ConfigParser(interpolation=None)
	parsed.read_dict(
		{
			"ami": {"host": "127.0.0.1", "port": str(ami_port), "username": "xnet", "secret": "ami-secret"},
			"helpdesk": {"url": url, "phone_system": "KAR", "token": "token", "hmac_secret": SECRET},
			"queues": {"support": "+77212505252"},
		}
	)
	return parsed


def run_bridge(helpdesk, events=EVENTS, expected=5):
	ami = FakeAmi(events)
	sender = bridge.Sender(helpdesk.url, "KAR", "token", SECRET, first_delay=0.01, max_delay=0.05)
	worker = threading.Thread(target=sender.run, daemon=True)
	worker.start()
	bridge.listen(config(ami.port, helpdesk.url), sender, once=True)
	deadline = time.monotonic() + 10
	while len(helpdesk.received) < expected and time.monotonic() < deadline:
		time.sleep(0.02)
	sender.stop()
	worker.join(5)
	return ami


def test_queue_events_become_cti_events_in_order():
	helpdesk = Helpdesk()
	try:
		ami = run_bridge(helpdesk)
	finally:
		helpdesk.close()
	assert ami.login["Username"] == "xnet" and ami.login["Secret"] == "ami-secret"
	kinds = [(e["callId"], e["event"]) for e in helpdesk.received]
	assert kinds == [
		(CALL_A, "newCall"),
		(CALL_B, "newCall"),
		(CALL_A, "answer"),
		(CALL_B, "hangup"),
		(CALL_A, "hangup"),
	]
	new_a, new_b, answer_a, abandon_b, complete_a = helpdesk.received
	assert (new_a["from"], new_a["to"], new_a["queue"], new_a["direction"]) == (
		"87015550101",
		"+77212505252",
		"support",
		"in",
	)
	assert new_a["timestamp"] == 1733050000.5
	assert new_b["from"] == ""
	assert (answer_a["user"], answer_a["answeringNumber"]) == ("Айгерим", "101")
	assert abandon_b["cause"] == "cancel" and complete_a["cause"] == "normalClearing"


def test_a_helpdesk_that_is_down_gets_every_event_later_in_order():
	helpdesk = Helpdesk(failures=4)
	try:
		run_bridge(helpdesk)
	finally:
		helpdesk.close()
	assert helpdesk.attempts == 4 + 5
	assert (helpdesk.received[0]["callId"], helpdesk.received[0]["event"]) == (CALL_A, "newCall")
	per_call = [e["event"] for e in helpdesk.received if e["callId"] == CALL_A]
	assert per_call == ["newCall", "answer", "hangup"]


def test_an_event_the_helpdesk_refuses_does_not_block_the_others():
	helpdesk = Helpdesk(refuse={"answer"})
	try:
		run_bridge(helpdesk, expected=4)
	finally:
		helpdesk.close()
	assert [e["event"] for e in helpdesk.received] == ["newCall", "newCall", "hangup", "hangup"]


def test_an_unreachable_helpdesk_is_retried_with_growing_delays(monkeypatch):
	sleeps = []
	monkeypatch.setattr(bridge.time, "sleep", lambda seconds: sleeps.append(seconds))
	sender = bridge.Sender("http://127.0.0.1:9", "KAR", "token", first_delay=1, max_delay=8, timeout=0.2)
	outcomes = iter(["retry", "retry", "retry", "retry", "retry", "sent"])
	monkeypatch.setattr(sender, "post", lambda event: next(outcomes))
	sender._deliver({"callId": "x", "event": "newCall"})
	assert sleeps == [1, 2, 4, 8, 8]


def test_a_refused_ami_login_stops_the_bridge():
	ami = FakeAmi([], accept=False)
	sender = bridge.Sender("http://127.0.0.1:9", "KAR", "token")
	with pytest.raises(SystemExit):
		bridge.listen(config(ami.port, "http://127.0.0.1:9"), sender, once=True)


@pytest.mark.parametrize(
	"event, expected",
	[
		({"Event": "Newchannel", "Uniqueid": "1"}, None),
		({"Event": "AgentConnect"}, None),
		({"Event": "AgentConnect", "Uniqueid": "1", "Interface": "SIP/2040@pbx"}, "2040"),
		({"Event": "AgentConnect", "Uniqueid": "1", "DestCallerIDNum": "105", "Interface": "Local/x"}, "105"),
	],
)
def test_translation_details(event, expected):
	result = bridge.translate(event, now=1.0)
	assert (result and result["answeringNumber"]) == expected


def test_the_example_config_is_complete(tmp_path):
	example = PATH.parent / "xnet-ami-bridge.ini.example"
	loaded = bridge.load_config(str(example))
	assert loaded.get("helpdesk", "phone_system")
	broken = tmp_path / "broken.ini"
	broken.write_text("[ami]\nhost = 127.0.0.1\n")
	with pytest.raises(SystemExit):
		bridge.load_config(str(broken))
