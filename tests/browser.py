"""Headless Chromium for the tests of the HTML pages (the `browser` fixture is in conftest.py): Debian's
`chromium`, driven by Playwright with no browser download. Without it the browser tests skip, except under CI
(`CI` set), where .ci/run installs it and a missing browser is a failure."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.helpers import ROOT

CHROMIUM = shutil.which("chromium")
OUTPUT = ROOT / "tests" / "output"

if CHROMIUM is None and os.environ.get("CI"):
    raise RuntimeError("CI needs Debian's chromium for the browser tests; .ci/run installs it")
in_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

# As root, in a sandbox with no network: no sandboxing, no GPU, and none of Chromium's own connections.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
