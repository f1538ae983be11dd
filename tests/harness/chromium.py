"""Debian's Chromium driven by Playwright, for the browser tests: one launch with the flags these machines
need, skipping the test (with the reason) where Chromium or Playwright is missing."""

import shutil
from contextlib import contextmanager

import pytest

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def launched():
	sync_api = pytest.importorskip(
		"playwright.sync_api", reason="Playwright is not installed (requirements-test.txt)"
	)
	executable = shutil.which("chromium") or shutil.which("chromium-browser")
	if not executable:
		pytest.skip("Chromium is not installed (apt-get install chromium; build-bench --test-tools does)")
	with sync_api.sync_playwright() as playwright:
		browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
		try:
			yield browser
		finally:
			browser.close()
