"""Test set-up shared by every test: a cache folder of the tests' own, and the Hypothesis profiles.

Tests never read or write the user's cache: before anything runs, `XDG_CACHE_HOME` points at a temporary folder
(subprocesses inherit it). Property tests run at full size by default, as CI runs them; locally,
`pytest --hypothesis-profile=quick` runs a tenth of the examples (see `tests.helpers.examples`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.browser import CHROMIUM, FLAGS

settings.register_profile("full", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("quick", max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("full")

_CACHE = tempfile.mkdtemp(prefix="sladsl-tests-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE  # before any test, and any subprocess a test starts


@pytest.fixture(autouse=True, scope="session")
def _own_cache() -> Iterator[None]:
    yield
    shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def _no_store_left_behind() -> Iterator[None]:
    """A test that installs a store (the command line does) leaves none behind for the next."""
    from sladsl import cache  # noqa: PLC0415

    yield
    cache.use(None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (tests.browser), one per test module."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only when chromium is there

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()
