"""Drive Debian's headless Chromium as a person's browser: rendered DOM and screenshots."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
]


def chromium_path() -> str | None:
    return os.environ.get("HDCAT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _run(args: list[str], timeout: int = 60) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium_path(), *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            timeout=timeout,
        )


def dump_dom(url: str) -> str:
    """The DOM after the page loaded and ran its scripts."""
    result = _run(["--virtual-time-budget=3000", "--dump-dom", url])
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return result.stdout.decode("utf-8")


def screenshot(url: str, path: Path, width: int = 1280, height: int = 1600) -> Path:
    result = _run([f"--screenshot={path}", f"--window-size={width},{height}", url])
    assert path.exists(), result.stderr.decode(errors="replace")[-2000:]
    return path


#: Chromium will not make a window narrower than this; narrower widths are phones, emulated
NARROWEST_WINDOW = 500


class Browser:
    """A headless Chromium driven through Debian's chromedriver (Selenium): for pages where a person
    signs in and fills in forms. Selenium is given both binaries, so it never downloads anything.

    Below NARROWEST_WINDOW the browser is a phone: Chromium's own device emulation (a mobile viewport of
    exactly that width, which honours the page's viewport meta tag and widens to fit content that
    overflows, as a phone's browser does), since a headless window cannot be that narrow."""

    def __init__(self, width: int = 1280, height: int = 1000, script: bool = True):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = chromium_path()
        for flag in FLAGS + [f"--window-size={width},{height}"]:
            options.add_argument(flag.replace("--headless", "--headless=new"))
        if not script:  # a reader with JavaScript off: the pages' own scripts do not run (Selenium's do)
            options.add_experimental_option(
                "prefs", {"profile.managed_default_content_settings.javascript": 2}
            )
        driver = os.environ.get("HDCAT_CHROMEDRIVER") or shutil.which("chromedriver")
        self.driver = webdriver.Chrome(options=options, service=Service(executable_path=driver))
        self.driver.set_page_load_timeout(30)
        self.phone = width < NARROWEST_WINDOW
        if self.phone:
            self._emulate(width, height)

    def _emulate(self, width: int, height: int) -> None:
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
        )

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.driver.quit()

    def open(self, url: str) -> Browser:
        self.driver.get(url)
        return self

    def find(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list:
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def fill(self, values: dict) -> Browser:
        """Type into form fields by name (clearing what was there)."""
        for name, value in values.items():
            field = self.find(f"[name='{name}']")
            tag = field.tag_name.lower()
            if tag == "select":
                from selenium.webdriver.support.ui import Select

                Select(field).select_by_value(value)
            else:
                field.clear()
                field.send_keys(value)
        return self

    def submit(self, css: str = "button[type=submit]") -> Browser:
        """Click a button that loads a new page, and wait until the new page is there."""
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver.execute_script("window.__hdcatOldPage = true")  # a new page starts without it
        self.find(css).click()
        WebDriverWait(self.driver, 20).until(
            lambda d: d.execute_script("return !window.__hdcatOldPage && document.readyState === 'complete'")
        )
        return self

    def sign_in(self, base_url: str, name: str, password: str) -> Browser:
        self.open(f"{base_url}/signin").fill({"name": name, "password": password}).submit(
            "#signin-form button"
        )
        assert "/signin" not in self.driver.current_url, self.find("main").text
        return self

    def shot(self, path: Path) -> Path:
        """The whole page as a PNG (the window grown to the page's height first)."""
        width = self.driver.execute_script("return window.innerWidth")
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        if self.phone:
            width = self.driver.execute_script("return document.documentElement.clientWidth")
            self._emulate(width, min(max(height, 600), 4000))
        else:
            self.driver.set_window_size(width, min(max(height, 600), 4000))
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))
        return path

    def scroll_width(self) -> int:
        """How wide the page is drawn: wider than the window means it scrolls sideways."""
        return self.driver.execute_script("return document.documentElement.scrollWidth")

    @property
    def html(self) -> str:
        return self.driver.page_source

    @property
    def url(self) -> str:
        return self.driver.current_url
