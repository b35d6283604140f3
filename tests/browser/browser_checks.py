"""What every browser test checks of a page in headless Chromium (the driver fixture is in tests/conftest.py)."""

import io


def assert_not_blank(png: bytes) -> None:
    """A screenshot with real content: a wide range of shades, not one colour."""
    from PIL import Image

    pixels = Image.open(io.BytesIO(png)).convert("L")
    low, high = pixels.getextrema()
    assert high - low > 100, "screenshot is blank"
    assert sum(1 for count in pixels.histogram() if count) > 20, "screenshot has almost no distinct shades"


def severe_console_errors(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def loaded_images(driver) -> list:
    """The page's images that the browser has decoded (natural width above 0)."""
    from selenium.webdriver.common.by import By

    images = driver.find_elements(By.TAG_NAME, "img")
    return [img for img in images if driver.execute_script("return arguments[0].naturalWidth", img) > 0]


def open_safe_page(driver, page, title: str, section_ids) -> None:
    """Open a page with planted untrusted names: no alert fires, its title and every section are shown, and no
    script or injected image made it into the document."""
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    driver.get(page.as_uri())
    try:
        alert = driver.switch_to.alert.text
    except NoAlertPresentException:
        alert = None
    assert alert is None, f"an alert fired: {alert!r}"
    assert driver.title == title
    for section in section_ids:
        assert driver.find_element(By.ID, section).is_displayed(), section
    assert not driver.find_elements(By.CSS_SELECTOR, "script, img[src='x']")


def assert_rendered(driver, screenshot) -> None:
    """Every image loaded, no severe console error, and a screenshot (kept at ``screenshot``) that is not blank."""
    from selenium.webdriver.common.by import By

    images = driver.find_elements(By.TAG_NAME, "img")
    assert images and len(loaded_images(driver)) == len(images)
    errors = severe_console_errors(driver)
    assert not errors, errors
    png = driver.get_screenshot_as_png()
    screenshot.write_bytes(png)
    assert_not_blank(png)
