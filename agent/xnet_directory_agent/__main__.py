"""python -m xnet_directory_agent --config /etc/xnet-directory-agent/agent.ini COMMAND

run        the service: a push pass every poll_seconds, heartbeats, the scheduled reconciliation
once       one push pass and a heartbeat, then exit (0: accepted, 1: failed) — for cron or a first test
reconcile  one reconciliation (disable in the helpdesk who vanished from the directory) and a heartbeat
check      read the configuration, bind to the directory and send a heartbeat; change nothing
"""

import argparse
import logging
import signal
import sys

from xnet_directory_agent import __version__, directory
from xnet_directory_agent.agent import Agent
from xnet_directory_agent.config import ConfigError, load
from xnet_directory_agent.state import StateError


def main(argv: list[str] | None = None) -> int:
	parser = argparse.ArgumentParser(prog="xnet-directory-agent", description=__doc__.split("\n\n")[0])
	parser.add_argument("--config", default="/etc/xnet-directory-agent/agent.ini")
	parser.add_argument("--verbose", action="store_true")
	parser.add_argument("--version", action="version", version=__version__)
	parser.add_argument("command", choices=["run", "once", "reconcile", "check"])
	args = parser.parse_args(argv)
	logging.basicConfig(
		level=logging.DEBUG if args.verbose else logging.INFO,
		format="%(asctime)s %(levelname)s %(message)s",
		stream=sys.stderr,
	)
	try:
		config = load(args.config)
	except ConfigError as error:
		print(f"xnet-directory-agent: {args.config}: {error}", file=sys.stderr)
		return 2
	agent = Agent(config)
	try:
		if args.command == "check":
			connection = directory.connect(config.directory)
			directory.close(connection)
			print("directory: bound as", config.directory.bind_dn or "(anonymous)")
			if not agent.heartbeat():
				print("helpdesk: the heartbeat was not accepted (see above)", file=sys.stderr)
				return 1
			print("helpdesk: heartbeat accepted")
			return 0
		if args.command == "once":
			result = agent.push_pass()
			agent.heartbeat()
			return 0 if result.result == "accepted" else 1
		if args.command == "reconcile":
			agent.heartbeat()
			result = agent.reconcile()
			agent.heartbeat()
			return 0 if result.result == "accepted" else 1
		stopping = []
		signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
		try:
			agent.run_forever(stop=lambda: bool(stopping))
		except KeyboardInterrupt:
			pass
		return 0
	except (StateError, directory.DirectoryUnavailable) as error:
		print(f"xnet-directory-agent: {error}", file=sys.stderr)
		return 1


if __name__ == "__main__":
	sys.exit(main())
