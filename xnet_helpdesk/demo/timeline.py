"""Working-time arithmetic for placing demo events in the past. Pure Python: no Frappe imports.

The demo's history happens in office hours (Monday–Friday 09:00–18:00, Saturday morning), so the desk
shows incidents registered and worked on when a real service center would have.
"""

from datetime import date, datetime, time, timedelta

# weekday (Monday = 0) -> opening and closing time
WINDOWS = {
	0: (time(9), time(18)),
	1: (time(9), time(18)),
	2: (time(9), time(18)),
	3: (time(9), time(18)),
	4: (time(9), time(18)),
	5: (time(10), time(14)),
}


class WorkingCalendar:
	def __init__(self, holidays=()):
		self.holidays = set(holidays)

	def window(self, day: date) -> tuple[datetime, datetime] | None:
		hours = WINDOWS.get(day.weekday())
		if not hours or day in self.holidays:
			return None
		return datetime.combine(day, hours[0]), datetime.combine(day, hours[1])

	def last_working_moment(self, at: datetime) -> datetime:
		"""`at` itself during office hours, else the close of the latest working day before it."""
		day = at.date()
		while True:
			window = self.window(day)
			if window and window[0] <= at:
				return min(at, window[1])
			day -= timedelta(days=1)

	def add(self, start: datetime, hours: float) -> datetime:
		"""The moment `hours` working hours after `start`."""
		remaining, current = timedelta(hours=hours), start
		while True:
			window = self.window(current.date())
			if not window or current >= window[1]:
				current = datetime.combine(current.date() + timedelta(days=1), time(0))
				continue
			current = max(current, window[0])
			if current + remaining <= window[1]:
				return current + remaining
			remaining -= window[1] - current
			current = datetime.combine(current.date() + timedelta(days=1), time(0))

	def subtract(self, end: datetime, hours: float) -> datetime:
		"""The moment `hours` working hours before `end`."""
		remaining, current = timedelta(hours=hours), end
		while True:
			window = self.window(current.date())
			if not window or current <= window[0]:
				current = datetime.combine(current.date() - timedelta(days=1), time(23, 59, 59))
				continue
			current = min(current, window[1])
			if current - remaining >= window[0]:
				return current - remaining
			remaining -= current - window[0]
			current = datetime.combine(current.date() - timedelta(days=1), time(23, 59, 59))

	def working_day_at(self, day: date, clock: time) -> datetime:
		"""`clock` on `day`, or on the latest working day before it whose office hours include it."""
		while True:
			window = self.window(day)
			moment = datetime.combine(day, clock)
			if window and window[0] <= moment < window[1] - timedelta(hours=1):
				return moment
			day -= timedelta(days=1)
