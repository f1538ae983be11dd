from setuptools import find_packages, setup

from xnet_helpdesk import __version__

setup(
	name="xnet_helpdesk",
	version=__version__,
	description="Incident desk for a network of IT service centers, on Frappe v15",
	author="XNet",
	author_email="support@xnet.kz",
	packages=find_packages(exclude=("tests", "tests.*", "benchmarks")),
	zip_safe=False,
	include_package_data=True,
	python_requires=">=3.10,<3.13",
	install_requires=[
		# frappe itself is provided by the bench
		"ldap3~=2.9",
		"requests>=2.31",
		# callers' numbers to E.164 (telephony/numbers.py); Frappe 15 depends on it too
		"phonenumbers>=8.13",
		# Frappe 15 pins pytz==2023.3, whose Asia/Almaty is still UTC+6: Kazakhstan moved to UTC+5 on
		# 1 March 2024 (tzdata 2024a). Frappe's "now" must be the real time (README, "Kazakhstan's clock")
		"pytz>=2024.1",
	],
	extras_require={"test": ["pytest>=8"]},
)
