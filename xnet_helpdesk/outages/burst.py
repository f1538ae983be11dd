"""When a burst of new incidents is a possible outage: the arithmetic, without Frappe."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Threshold:
	count: int
	window_minutes: int

	@property
	def enabled(self) -> bool:
		return self.count > 0 and self.window_minutes > 0


def threshold_for(settings_count, settings_window, center_count=None, center_window=None) -> Threshold:
	"""A service center's own count and window where it has them (0 or none: the settings')."""
	return Threshold(
		count=int(center_count or settings_count or 0),
		window_minutes=int(center_window or settings_window or 0),
	)


def is_burst(recent: int, threshold: Threshold) -> bool:
	"""`recent` new, unlinked incidents of the center within the window reach the threshold."""
	return threshold.enabled and recent >= threshold.count
