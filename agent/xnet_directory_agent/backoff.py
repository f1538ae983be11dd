"""Retries with exponential backoff and full jitter (AWS Architecture Blog, "Exponential Backoff And
Jitter"): the n-th wait is a random time up to min(cap, base * 2**n), so agents that lost the helpdesk at
the same moment do not come back at the same moment."""

import random
from collections.abc import Callable, Iterator


def delays(
	base: float, cap: float, attempts: int, rng: Callable[[], float] = random.random
) -> Iterator[float]:
	"""The waits before attempts 2..`attempts` (so attempts - 1 values)."""
	for n in range(max(attempts - 1, 0)):
		yield rng() * min(cap, base * (2**n))


def ceiling(base: float, cap: float, attempts: int) -> float:
	"""The longest the waits can add up to: how long a batch may be retried before the pass gives up."""
	return sum(min(cap, base * (2**n)) for n in range(max(attempts - 1, 0)))
