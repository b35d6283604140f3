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
