"""Headless Chromium opens the fairness report from disk: no console errors, sections present,
the planted XSS artist shown as text (no alert), and a screenshot that is not blank."""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_report_fairness import SECTION_IDS, XSS_ARTIST, build_synthetic_report  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--window-size=1280,1600"]


@pytest.fixture(scope="session")
def chromium_paths():
    """Chromium and its driver: installed with apt-get when missing and we are root, else skip."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            pytest.skip("chromium/chromium-driver are not installed and apt-get as root is unavailable")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        lock = ["-o", "DPkg::Lock::Timeout=300"]
        for command in (["apt-get", *lock, "update", "-qq"],
                        ["apt-get", *lock, "install", "-y", "-qq", "--no-install-recommends", "chromium",
                         "chromium-driver"]):
            result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                pytest.skip(f"could not install chromium: {' '.join(command)}: {result.stderr[-500:]}")
    return CHROMIUM, CHROMEDRIVER


@pytest.fixture
def driver(chromium_paths, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium_paths[0])
    for flag in [*FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(str(chromium_paths[1])), options=options)
    yield browser
    browser.quit()


def test_report_renders_in_chromium(driver, tmp_path):
    from PIL import Image
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
    images = driver.find_elements(By.TAG_NAME, "img")
    assert images and all(driver.execute_script("return arguments[0].naturalWidth", img) > 0 for img in images)
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors
    png = driver.get_screenshot_as_png()
    (tmp_path / "screenshot.png").write_bytes(png)
    pixels = Image.open(io.BytesIO(png)).convert("L")
    low, high = pixels.getextrema()
    assert high - low > 100, "screenshot is blank"
    assert sum(1 for count in pixels.histogram() if count) > 20, "screenshot has almost no distinct shades"
