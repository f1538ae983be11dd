"""The agent's position on disk: the highest change number (uSNChanged) the helpdesk has accepted
everything up to, written atomically (a temporary file, fsync, rename), so a crash leaves either the old
position or the new one, never half a file."""

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

VERSION = 1


@dataclass
class State:
	usn: int | None = None  # None: no full read accepted yet (the next pass reads everything)
	last_reconcile: float = 0.0  # time.time() of the last finished reconciliation
	directory: str = ""  # the directory and base DN the position belongs to
	counters: dict = field(default_factory=dict)  # totals since the agent was installed, for the heartbeat


class StateError(Exception):
	pass


class StateFile:
	def __init__(self, path: str | Path):
		self.path = Path(path)

	def load(self) -> State:
		try:
			data = json.loads(self.path.read_text(encoding="utf-8"))
		except FileNotFoundError:
			return State()
		except (OSError, ValueError) as error:
			# a damaged position is not guessed at: the operator decides (delete it for a full read)
			raise StateError(f"cannot read the position file {self.path}: {error}") from None
		if not isinstance(data, dict) or data.get("version") != VERSION:
			raise StateError(f"the position file {self.path} is not one this agent wrote")
		usn = data.get("usn")
		if usn is not None and (not isinstance(usn, int) or isinstance(usn, bool) or usn < 0):
			raise StateError(f"the position file {self.path} holds a bad position {usn!r}")
		return State(
			usn=usn,
			last_reconcile=float(data.get("last_reconcile") or 0),
			directory=str(data.get("directory") or ""),
			counters=dict(data.get("counters") or {}),
		)

	def save(self, state: State) -> None:
		self.path.parent.mkdir(parents=True, exist_ok=True)
		payload = json.dumps({"version": VERSION, **asdict(state)}, indent=1, sort_keys=True)
		handle, temporary = tempfile.mkstemp(prefix=".state-", dir=self.path.parent)
		try:
			with os.fdopen(handle, "w", encoding="utf-8") as file:
				file.write(payload)
				file.flush()
				os.fsync(file.fileno())
			os.replace(temporary, self.path)
		except BaseException:
			Path(temporary).unlink(missing_ok=True)
			raise
		try:  # the rename itself survives a power cut once the folder is synced
			folder = os.open(self.path.parent, os.O_RDONLY)
		except OSError:
			return
		try:
			os.fsync(folder)
		finally:
			os.close(folder)
