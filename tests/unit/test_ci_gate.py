"""Under CI=true a run whose site tests did not run fails, with a line saying why; outside CI it passes.

Runs pytest on one site test file with no bench (XNET_BENCH pointing nowhere), as CI would meet a machine
where the bench could not be built."""

import os
import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]


def run_without_bench(ci: str | None) -> subprocess.CompletedProcess:
	env = {k: v for k, v in os.environ.items() if k != "CI"}
	env["XNET_BENCH"] = "/nonexistent/frappe-bench"
	if ci is not None:
		env["CI"] = ci
	return subprocess.run(
		[
			sys.executable,
			"-m",
			"pytest",
			"-q",
			"-p",
			"no:cacheprovider",
			"tests/site",
			"tests/unit/test_lifecycle.py",
		],
		cwd=CHECKOUT,
		env=env,
		capture_output=True,
		text=True,
		timeout=120,
	)


def test_ci_fails_when_the_site_tests_cannot_run():
	result = run_without_bench(ci="true")
	assert result.returncode == 1, result.stdout[-2000:]
	assert (
		"FAILED under CI=true: the site tests could not run (no Frappe bench at /nonexistent" in result.stdout
	)


def test_outside_ci_the_site_tests_are_skipped_with_the_reason():
	result = run_without_bench(ci=None)
	assert result.returncode == 0, result.stdout[-2000:]
	assert "0 site tests ran" in result.stdout and "FAILED under CI" not in result.stdout
