"""The agent's work: push passes, reconciliation, heartbeats.

A push pass reads the entries changed after the saved position (all of them the first time), a page at a
time, and sends them in batches. A batch is retried with backoff until the helpdesk accepted every entry
of it (or answered a definite no for one, which is reported, not retried); when a batch cannot be delivered
the pass stops. The position on disk moves only when every batch of a pass was accepted: a pass cut short
(helpdesk down, crash, power cut) is read again from the same position, and the entries it had already
delivered are sent again and change nothing (each push looks the user up by externalId and replaces it).

A reconciliation reads only the ids of the directory (the set of objectGUIDs is the one thing held in
memory for every entry: about 100 bytes each), lists the helpdesk's users of this source and disables the
ones the directory no longer has, under the helpdesk's deactivation limit."""

import logging
import platform
import re
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice

from xnet_directory_agent import __version__, backoff, directory
from xnet_directory_agent.config import Config
from xnet_directory_agent.helpdesk import Helpdesk, Rejected, Unavailable
from xnet_directory_agent.mapping import Unmappable, deactivation_guard, decode_guid, scim_user
from xnet_directory_agent.state import State, StateFile

log = logging.getLogger("xnet_directory_agent")
MAX_ERRORS = 10


class PassAborted(Exception):
	"""A batch could not be delivered: the pass stops, the position stays where it was."""


@dataclass
class PassResult:
	kind: str  # "full", "incremental" or "reconcile"
	result: str = "accepted"  # "accepted", "failed"
	counts: Counter = field(default_factory=Counter)
	batches: int = 0
	seconds: float = 0.0
	position: int | None = None
	message: str = ""
	key: str = ""  # the helpdesk's Directory Sync Log of this pass


class Agent:
	def __init__(
		self,
		config: Config,
		helpdesk: Helpdesk | None = None,
		state_file: StateFile | None = None,
		sleep: Callable[[float], None] = time.sleep,
		on_batch: Callable[[int], None] | None = None,
	):
		self.config = config
		self.helpdesk = helpdesk or Helpdesk(config.helpdesk)
		self.state_file = state_file or StateFile(config.state_path)
		self.sleep = sleep
		self.on_batch = on_batch  # called with the batch number after each accepted batch (tests)
		self.errors: deque = deque(maxlen=MAX_ERRORS)
		self.last_pass: PassResult | None = None
		self.max_deactivation_percent: float | None = None
		self._last_beat = time.monotonic()
		self._executor: ThreadPoolExecutor | None = None  # the push threads, made once for the agent's life

	# --- push ---------------------------------------------------------------------------------------

	def _directory_key(self) -> str:
		d = self.config.directory
		return f"{d.url} {d.base_dn} {d.user_filter}"

	def push_pass(self) -> PassResult:
		"""One pass: everything on the first run (or after the directory settings changed), then what
		changed after the saved position."""
		state = self.state_file.load()
		if state.directory != self._directory_key():
			state = State(counters=state.counters, last_reconcile=state.last_reconcile)
		since = state.usn
		result = PassResult("full" if since is None else "incremental", key=self._new_key())
		started = time.monotonic()
		connection = None
		try:
			connection = directory.connect(self.config.directory)
			highest = directory.highest_committed(connection)
			seen_high = since or 0
			for number, batch in enumerate(
				_batched(
					directory.iter_entries(connection, self.config.directory, since),
					self.config.schedule.batch_size,
				),
				start=1,
			):
				users = []
				for entry in batch:
					if entry.change_number is not None:
						seen_high = max(seen_high, entry.change_number)
					try:
						users.append(
							scim_user(entry.attributes, self.config.directory.attribute_map, entry.raw_id)
						)
					except Unmappable as reason:
						result.counts["unmappable"] += 1
						self._error(f"{entry.dn}: {reason}")
				self._deliver(users, result)
				result.batches = number
				if self.on_batch:
					self.on_batch(number)
				if time.monotonic() - self._last_beat >= self.config.schedule.heartbeat_seconds:
					self.heartbeat()  # a long first pass still shows the agent alive
			# every batch was accepted: now, and only now, the position moves
			state.usn = highest if highest is not None else seen_high
			state.directory = self._directory_key()
			for key, value in result.counts.items():
				state.counters[key] = state.counters.get(key, 0) + value
			self.state_file.save(state)
			result.position = state.usn
		except (PassAborted, directory.DirectoryUnavailable) as error:
			result.result = "failed"
			result.message = str(error)
			result.position = since
			self._error(str(error))
		finally:
			if connection is not None:
				directory.close(connection)
			result.seconds = time.monotonic() - started
			if result.result != "accepted" or result.kind != "incremental" or result.counts:
				self.last_pass = result  # a pass that found nothing to send is not reported
		log.info(
			"%s pass %s in %.1f s: %s (position %s)",
			result.kind,
			result.result,
			result.seconds,
			dict(result.counts),
			result.position,
		)
		return result

	def _deliver(self, users: list[dict], result: PassResult) -> None:
		"""Send one batch; retry what the helpdesk could not take, with backoff. Raises PassAborted."""
		pending = users
		waits = backoff.delays(
			self.config.schedule.backoff_base,
			self.config.schedule.backoff_max,
			self.config.schedule.max_attempts,
		)
		while True:
			failed, last_error = [], ""
			if self._executor is None:
				self._executor = ThreadPoolExecutor(
					max_workers=self.config.schedule.workers, thread_name_prefix="push"
				)
			# one pool for every batch of the agent's life, not a new one (and its threads) per batch
			for user, outcome in zip(pending, self._executor.map(self._push_one, pending), strict=True):
				if isinstance(outcome, Unavailable):
					failed.append(user)
					last_error = str(outcome)
				elif isinstance(outcome, Rejected):
					result.counts["rejected"] += 1
					self._error(f"{user.get('userName')} ({user.get('externalId')}): {outcome}")
				else:
					result.counts[outcome] += 1
			if not failed:
				return
			wait = next(waits, None)
			if wait is None:
				raise PassAborted(
					f"the helpdesk did not take {len(failed)} of {len(pending)} entries after "
					f"{self.config.schedule.max_attempts} attempts: {last_error}"
				)
			log.warning(
				"helpdesk unavailable (%s); retrying %d entries in %.1f s", last_error, len(failed), wait
			)
			self.sleep(wait)
			pending = failed

	def _push_one(self, user: dict):
		try:
			return self.helpdesk.push(user)
		except (Unavailable, Rejected) as error:
			return error

	# --- reconciliation -------------------------------------------------------------------------------

	def reconcile(self) -> PassResult:
		"""Disable the helpdesk's users of this source that the directory no longer has."""
		result = PassResult("reconcile", key=self._new_key())
		started = time.monotonic()
		try:
			present = self._directory_ids()
			limit = self._deactivation_limit()
			active, missing = 0, []
			for user in self.helpdesk.iter_users():
				if not user.get("active", True):
					continue
				active += 1
				external_id = (user.get("externalId") or "").lower()
				if external_id and external_id not in present:
					missing.append((user["id"], user.get("userName") or external_id))
			refusal = deactivation_guard(len(present), active, len(missing), limit)
			result.counts["directory_entries"] = len(present)
			result.counts["helpdesk_active"] = active
			result.counts["missing"] = len(missing)
			if refusal:
				result.result = "failed"
				result.message = (
					"the directory returned no entries: nobody was disabled"
					if refusal == "empty_result"
					else f"{len(missing)} of {active} active users would be disabled, more than the "
					f"helpdesk's limit of {limit:g}%: nobody was disabled"
				)
				self._error(result.message)
			else:
				for user_id, label in missing:
					try:
						self.helpdesk.deactivate(user_id)
						result.counts["deactivated"] += 1
					except Rejected as error:
						result.counts["rejected"] += 1
						self._error(f"{label}: {error}")
			state = self.state_file.load()
			state.last_reconcile = time.time()
			self.state_file.save(state)
		except (Unavailable, Rejected, directory.DirectoryUnavailable) as error:
			result.result = "failed"
			result.message = str(error)
			self._error(str(error))
		result.seconds = time.monotonic() - started
		self.last_pass = result
		log.info("reconciliation %s in %.1f s: %s", result.result, result.seconds, dict(result.counts))
		return result

	def _directory_ids(self) -> set[str]:
		connection = directory.connect(self.config.directory)
		try:
			ids = set()
			for entry in directory.iter_entries(connection, self.config.directory, None, ids_only=True):
				found = decode_guid(entry.raw_id)
				if found:
					ids.add(found)
			return ids
		finally:
			directory.close(connection)

	def _deactivation_limit(self) -> float:
		"""The Directory Source's Deactivation Limit, as the last heartbeat's answer told it."""
		if self.max_deactivation_percent is None:
			self.heartbeat()
		if self.max_deactivation_percent is None:
			raise Unavailable("the helpdesk did not tell its deactivation limit (heartbeat failed)")
		return self.max_deactivation_percent

	# --- heartbeat ------------------------------------------------------------------------------------

	def report(self) -> dict:
		state = self.state_file.load()
		body: dict = {
			"agent_id": self.config.helpdesk.agent_id,
			"version": __version__,
			"hostname": platform.node()[:140],
			"position": state.usn,
			"poll_seconds": self.config.schedule.poll_seconds,
			"errors": list(self.errors),
		}
		if self.last_pass:
			body["last_batch"] = {
				"kind": self.last_pass.kind,
				"result": self.last_pass.result,
				"size": sum(
					v
					for k, v in self.last_pass.counts.items()
					if k in ("created", "updated", "skipped", "rejected", "deactivated")
				),
				"seconds": round(self.last_pass.seconds, 2),
				"counts": {k: int(v) for k, v in self.last_pass.counts.items()},
				"message": self.last_pass.message[:500],
				"batch": self.last_pass.key,
			}
		return body

	def heartbeat(self) -> bool:
		self._last_beat = time.monotonic()
		try:
			answer = self.helpdesk.heartbeat(self.report())
		except (Unavailable, Rejected) as error:
			log.warning("heartbeat not delivered: %s", error)
			return False
		self.errors.clear()  # delivered: the helpdesk shows them now, and the pass too
		self.last_pass = None
		limit = answer.get("max_deactivation_percent")
		if isinstance(limit, int | float) and not isinstance(limit, bool):
			self.max_deactivation_percent = float(limit)
		return True

	# --- the service ----------------------------------------------------------------------------------

	def run_forever(self, stop: Callable[[], bool] = lambda: False) -> None:
		next_push = next_beat = 0.0
		schedule = self.config.schedule
		while not stop():
			now = time.monotonic()
			if now >= next_push:
				self.push_pass()
				state = self.state_file.load()
				if (
					schedule.reconcile_seconds
					and state.usn is not None
					and time.time() - state.last_reconcile >= schedule.reconcile_seconds
				):
					self.heartbeat()  # the deactivation limit, fresh
					self.reconcile()
				self.heartbeat()
				next_push = time.monotonic() + schedule.poll_seconds
				next_beat = time.monotonic() + schedule.heartbeat_seconds
			elif now >= next_beat:
				self.heartbeat()
				next_beat = now + schedule.heartbeat_seconds
			self.sleep(max(0.5, min(5.0, min(next_push, next_beat) - time.monotonic())))

	def _new_key(self) -> str:
		"""The name of a pass's group of requests (the helpdesk's X-XNet-Sync-Batch header)."""
		agent_id = re.sub(r"[^\w.@-]", "-", self.config.helpdesk.agent_id)[:60]
		self.helpdesk.batch_key = f"{agent_id}:{uuid.uuid4().hex[:12]}"
		return self.helpdesk.batch_key

	def _error(self, text: str) -> None:
		log.warning("%s", text)
		self.errors.append(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}"[:500])


def _batched(items: Iterable, size: int) -> Iterator[list]:
	iterator = iter(items)
	while batch := list(islice(iterator, size)):
		yield batch
