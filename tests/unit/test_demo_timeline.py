"""Working-time arithmetic the demo uses to place its history in office hours (pure, no site)."""

from datetime import date, datetime, time

from xnet_helpdesk.demo.timeline import WorkingCalendar

NAURYZ = {date(2026, 3, 21), date(2026, 3, 22), date(2026, 3, 23), date(2026, 3, 24), date(2026, 3, 25)}
calendar = WorkingCalendar(NAURYZ)


def test_last_working_moment():
	assert calendar.last_working_moment(datetime(2026, 11, 27, 11, 0)) == datetime(2026, 11, 27, 11, 0)
	# Sunday night: Saturday's morning shift closed at 14:00
	assert calendar.last_working_moment(datetime(2026, 11, 29, 5, 0)) == datetime(2026, 11, 28, 14, 0)
	# Monday before opening
	assert calendar.last_working_moment(datetime(2026, 11, 30, 8, 0)) == datetime(2026, 11, 28, 14, 0)
	# after the Nauryz holidays: back to the Friday before them
	assert calendar.last_working_moment(datetime(2026, 3, 26, 8, 0)) == datetime(2026, 3, 20, 18, 0)


def test_add_and_subtract_working_hours():
	assert calendar.add(datetime(2026, 11, 27, 16, 20), 3) == datetime(2026, 11, 28, 11, 20)
	assert calendar.add(datetime(2026, 11, 28, 23, 0), 1) == datetime(2026, 11, 30, 10, 0)
	assert calendar.add(datetime(2026, 3, 20, 17, 0), 2) == datetime(2026, 3, 26, 10, 0)
	assert calendar.subtract(datetime(2026, 11, 28, 14, 0), 5) == datetime(2026, 11, 27, 17, 0)
	assert calendar.subtract(datetime(2026, 11, 30, 9, 30), 1) == datetime(2026, 11, 28, 13, 30)
	start = datetime(2026, 11, 24, 15, 0)
	assert calendar.subtract(calendar.add(start, 13.5), 13.5) == start


def test_working_day_at_moves_back_to_a_day_open_at_that_hour():
	assert calendar.working_day_at(date(2026, 11, 27), time(15, 10)) == datetime(2026, 11, 27, 15, 10)
	# Saturday only has a morning; Sunday is closed
	assert calendar.working_day_at(date(2026, 11, 28), time(15, 10)) == datetime(2026, 11, 27, 15, 10)
	assert calendar.working_day_at(date(2026, 11, 29), time(10, 30)) == datetime(2026, 11, 28, 10, 30)
	assert calendar.working_day_at(date(2026, 3, 25), time(9, 30)) == datetime(2026, 3, 20, 9, 30)
