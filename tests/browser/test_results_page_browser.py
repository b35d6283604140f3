"""Headless Chromium opens the results page and the `snakemake --report` zip: no console errors, every section
present, untrusted names shown as text, figures loaded, a screenshot that is not blank. The synthetic page is
built in the test; the real ones come from the tiny end-to-end build (tests/conftest.py tiny_build)."""

import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_results_page import SECTION_IDS, XSS_MODEL, build_synthetic_results_page  # noqa: E402

from browser_checks import (assert_not_blank, assert_rendered, loaded_images, open_safe_page,  # noqa: E402
                            severe_console_errors)
from conftest import SNAKEMAKE_REPORT  # noqa: E402

pytestmark = pytest.mark.browser

DATASETS = ("kkbox", "lastfm", "yambda", "yandex_music", "mssd")


def test_synthetic_results_page_renders_in_chromium(driver, tmp_path):
    from selenium.webdriver.common.by import By

    open_safe_page(driver, build_synthetic_results_page(tmp_path), "Music recommendation results", SECTION_IDS)
    assert XSS_MODEL in driver.find_element(By.ID, "overview").text
    assert_rendered(driver, tmp_path / "screenshot.png")


def test_built_results_page_shows_every_dataset(driver, tiny_build, tmp_path):
    from selenium.webdriver.common.by import By

    driver.get((tiny_build / "results/report.html").as_uri())
    for dataset in DATASETS:
        section = driver.find_element(By.ID, f"dataset-{dataset}")
        assert section.is_displayed()
        for part in ("profile", "metrics", "significance"):
            assert section.find_element(By.ID, f"{dataset}-{part}").is_displayed()
    for section in ("overview", "costs", "workflow", "run"):
        assert driver.find_element(By.ID, section).is_displayed()
    rule_graph = driver.find_element(By.CSS_SELECTOR, "#workflow img")
    assert driver.execute_script("return arguments[0].naturalWidth", rule_graph) > 0
    link = driver.find_element(By.LINK_TEXT, "the fairness report")
    link.click()
    assert driver.title == "Fairness of music recommendations"
    assert not severe_console_errors(driver)


def test_snakemake_report_opens_with_the_registered_figures(driver, tiny_build, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import WebDriverWait

    with zipfile.ZipFile(tiny_build / SNAKEMAKE_REPORT) as archive:
        archive.extractall(tmp_path)
    driver.get((tmp_path / "snakemake_report/report.html").as_uri())
    wait = WebDriverWait(driver, 20)

    def click(xpath: str) -> None:
        wait.until(shown.element_to_be_clickable((By.XPATH, xpath))).click()

    menu = wait.until(shown.visibility_of_element_located((By.TAG_NAME, "body"))).text
    assert "musicrec" in menu
    for category in ("Results", "Data profiles", "Cost", "Overview"):
        assert category in menu
    shown_figures = 0
    for path in (("Cost", "figures", "quality per cost"), ("Results", "kkbox", "model comparison"),
                 ("Data profiles", "mssd", "long tail")):
        driver.get((tmp_path / "snakemake_report/report.html").as_uri())
        *menus, label = path
        for name in menus:
            click(f"//a[span[text()='{name}']]")
        before = len(loaded_images(driver))
        click(f"//td[text()='{label}']/following-sibling::td//a[@iconname='eye']")
        wait.until(lambda d: len(loaded_images(d)) > before)
        shown_figures += 1
    assert shown_figures == 3
    assert not severe_console_errors(driver)
    assert_not_blank(driver.get_screenshot_as_png())
