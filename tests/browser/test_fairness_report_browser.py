"""Headless Chromium opens the fairness report from disk: no console errors, every section present (the
summary across datasets, KKBox's, Last.fm's and Yambda's), the planted XSS artists shown as text (no alert),
and a screenshot that is not blank."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_report_fairness import (SECTION_IDS, XSS_ARTIST, XSS_LASTFM_ARTIST,  # noqa: E402
                                  build_synthetic_report)

from browser_checks import assert_not_blank, severe_console_errors  # noqa: E402

pytestmark = pytest.mark.browser


def test_report_renders_in_chromium(driver, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    report = build_synthetic_report(tmp_path)
    driver.get(report.as_uri())
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text
    assert driver.title == "Fairness of music recommendations"
    for section in SECTION_IDS:
        assert driver.find_element(By.ID, section).is_displayed()
    assert XSS_ARTIST in driver.find_element(By.ID, "artists").text
    assert XSS_LASTFM_ARTIST in driver.find_element(By.ID, "lastfm").text
    assert not driver.find_elements(By.CSS_SELECTOR, "script, img[src='x']")
    summary = driver.find_element(By.ID, "datasets").text
    assert all(name in summary for name in ("KKBox", "Last.fm", "Yambda", "Yandex Music"))
    images = driver.find_elements(By.TAG_NAME, "img")
    assert images and all(driver.execute_script("return arguments[0].naturalWidth", img) > 0 for img in images)
    errors = severe_console_errors(driver)
    assert not errors, errors
    png = driver.get_screenshot_as_png()
    (tmp_path / "screenshot.png").write_bytes(png)
    assert_not_blank(png)
