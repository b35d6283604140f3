"""Headless Chromium opens the fairness report from disk: no console errors, every section present (the
summary across datasets, KKBox's, Last.fm's and Yambda's), the planted XSS artists shown as text (no alert),
and a screenshot that is not blank."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_report_fairness import (SECTION_IDS, XSS_ARTIST, XSS_LASTFM_ARTIST,  # noqa: E402
                                  build_synthetic_report)

from browser_checks import assert_rendered, open_safe_page  # noqa: E402

pytestmark = pytest.mark.browser


def test_report_renders_in_chromium(driver, tmp_path):
    from selenium.webdriver.common.by import By

    open_safe_page(driver, build_synthetic_report(tmp_path), "Fairness of music recommendations", SECTION_IDS)
    assert XSS_ARTIST in driver.find_element(By.ID, "artists").text
    assert XSS_LASTFM_ARTIST in driver.find_element(By.ID, "lastfm").text
    summary = driver.find_element(By.ID, "datasets").text
    assert all(name in summary for name in ("KKBox", "Last.fm", "Yambda", "Yandex Music"))
    assert_rendered(driver, tmp_path / "screenshot.png")
