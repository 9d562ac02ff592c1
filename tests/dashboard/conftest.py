"""Fixtures of the tests against the real server."""

from __future__ import annotations

import pytest

from dashboard import browser


@pytest.fixture
def chromium(tmp_path):
    """Headless Chromium that saves downloads into `chromium.downloads` and reports them."""
    with browser.Chromium() as c:
        c.downloads = tmp_path / "downloads"
        c.downloads.mkdir()
        c.send(
            "Browser.setDownloadBehavior",
            {"behavior": "allow", "downloadPath": str(c.downloads), "eventsEnabled": True},
        )
        yield c
