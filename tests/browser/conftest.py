"""Browser tests: a real server in a subprocess, driven through Debian's Chromium.

With ``CI=true`` a missing ``/usr/bin/chromium`` is a failure; elsewhere the tests skip.
Screenshots go to ``docs/screenshots/`` when ``CAUSETTE_SCREENSHOTS=1``, else to a
temporary folder (so that ``make test`` leaves the working tree alone).
"""

from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = pathlib.Path(__file__).resolve().parents[2]
TIMEOUT_MS = 10_000
# The two screens every client item is tried on (issue 14): a desktop and a phone. Below
# 721 px the client shows one pane at a time (rooms, chat, people) behind bottom tabs.
SIZES = {"desktop": (1280, 800), "phone": (360, 740)}
MODERATOR_PASSWORD = "browser tests moderator"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def chromium_path() -> pathlib.Path:
    """Debian's Chromium, or a skip (a failure in CI) with the reason."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def server_data_dir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return tmp_path_factory.mktemp("causette-data")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End a process this module started: politely, then for good."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_server(data_dir: pathlib.Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """A causette server on a free port with ``data_dir`` and an easy PoW; its URL."""
    port = _free_port()
    env = {
        **os.environ,
        "CAUSETTE_DATA_DIR": str(data_dir),
        "CAUSETTE_POW_DIFFICULTY": "8",
        "CAUSETTE_JOINS_PER_IP_PER_HOUR": "1000",
        "CAUSETTE_NEW_PM_PER_HOUR": "1000",
        "CAUSETTE_MSG_BURST": "200",
        "CAUSETTE_MSG_PER_MINUTE": "2000",
        **(extra_env or {}),
    }
    log = (data_dir / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "causette", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=data_dir,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            log.close()
            output = (data_dir / "server.log").read_text(errors="replace")[-3000:]
            pytest.fail(f"the server exited with {proc.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the server did not answer /healthz within 30 s")
        time.sleep(0.1)
    try:
        yield url
    finally:
        _stop(proc)
        log.close()


@pytest.fixture(scope="session")
def server_url(server_data_dir: pathlib.Path) -> Iterator[str]:
    """The shared test server (a fresh data directory)."""
    yield from start_server(server_data_dir)


def create_moderator(data_dir: pathlib.Path, name: str, role: str = "moderator") -> None:
    """An account on the test server's database, made as an operator would (the CLI)."""
    command = ["admin", "create-moderator", name, "--role", role, "--password-stdin"]
    subprocess.run(
        [sys.executable, "-m", "causette", *command],
        input=MODERATOR_PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
        env={**os.environ, "CAUSETTE_DATA_DIR": str(data_dir)},
        cwd=data_dir,
    )


def desk_login(server_url: str, name: str) -> str:
    """A desk session token for ``name`` (bearer)."""
    request = urllib.request.Request(
        f"{server_url}/api/desk/login",
        data=json.dumps({"name": name, "password": MODERATOR_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        token: str = json.load(answer)["token"]
        return token


@pytest.fixture(scope="session")
def moderator_token(server_url: str, server_data_dir: pathlib.Path) -> str:
    """A moderator's desk token on the test server."""
    create_moderator(server_data_dir, "browser-modo")
    return desk_login(server_url, "browser-modo")


@pytest.fixture(scope="module")
def pw(chromium_path: pathlib.Path) -> Iterator[Any]:
    """Playwright's sync API, one per test module, shared by the browsers below (a second
    ``sync_playwright()`` in the same thread refuses to start).

    It keeps an event loop running while it is open; a module scope closes it before the
    asyncio tests of other packages run.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="module")
def browser(pw: Any, chromium_path: pathlib.Path) -> Iterator[Any]:
    """One headless Chromium per test module."""
    instance = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture(scope="session")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """Where screenshots go: docs/screenshots on request, else a temporary folder."""
    if os.environ.get("CAUSETTE_SCREENSHOTS"):
        path = REPO / "docs" / "screenshots"
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


@dataclass
class Chatter:
    """One browser context (one person) and what happened in its page."""

    context: Any
    page: Any
    pseudonym: str = ""
    phone: bool = False  # one pane at a time: people and rooms are views of their own
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def watch(self) -> None:
        """Record the page's dialogs (dismissed), uncaught errors and CSP violations."""

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        def on_console(msg: Any) -> None:
            if "Content Security Policy" in msg.text:
                self.csp_violations.append(msg.text)

        self.page.on("dialog", on_dialog)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", on_console)

    def join(self, pseudonym: str, age: int, gender: str = "f", department: str = "75") -> None:
        """Fill the join form with the mouse and keyboard and wait for the chat screen."""
        page = self.page
        page.fill("input[name=pseudonym]", pseudonym)
        page.fill("input[name=age]", str(age))
        page.check(f"input[name=gender][value={gender}]")
        page.select_option("select[name=department]", department)
        page.click("form.join-form button[type=submit]")
        self.wait_online()
        self.wait_living_room()
        self.pseudonym = pseudonym

    def wait_online(self) -> None:
        self.page.wait_for_selector('.chat-screen[data-conn="online"]', timeout=TIMEOUT_MS)

    def wait_living_room(self) -> str:
        """A new chatter lands in a room (issue 14): wait for it; its channel key."""
        tab = self.page.locator("[role=tab][aria-selected=true]")
        tab.wait_for(timeout=TIMEOUT_MS)
        key: str = tab.get_attribute("data-tab") or ""
        return key

    def enter_room(self, slug: str) -> None:
        """Join a room from the room list and wait for its tab."""
        rooms_nav = self.page.locator('.nav-button[data-view="rooms"]')
        if rooms_nav.is_visible():  # a phone: the rooms are in their own view
            rooms_nav.click()
        self.page.click(f'.room[data-slug="{slug}"]')
        self.page.wait_for_selector(f'[role=tab][data-tab="room:{slug}"][aria-selected=true]')

    def say(self, text: str) -> None:
        """Type in the composer and send with Enter."""
        box = self.page.locator("#composer-input")
        box.fill(text)
        box.press("Enter")

    def texts(self) -> list[str]:
        """The texts of the messages shown in the active conversation, in order."""
        result: list[str] = self.page.locator(".messages .msg .msg-text").all_inner_texts()
        return result

    def wait_text(self, text: str) -> None:
        self.page.locator(".messages .msg .msg-text", has_text=text).first.wait_for(
            timeout=TIMEOUT_MS
        )

    def wait_person(self, pseudonym: str) -> None:
        """``pseudonym`` is in the people list (on a phone, whichever view is shown)."""
        self.page.wait_for_selector(
            f'.person[data-pseudonym="{pseudonym}"]',
            state="attached" if self.phone else "visible",
            timeout=TIMEOUT_MS,
        )

    def show(self, view: str) -> None:
        """On a phone, show the view ("rooms", "chat" or "people"); a desktop shows all."""
        if self.phone:
            self.page.click(f'.nav-button[data-view="{view}"]')
            self.page.wait_for_selector(f'.chat-screen[data-view="{view}"]')

    def open_pm(self, pseudonym: str) -> None:
        """Open a private conversation with someone of the people list (the cursor is then
        in its message box; the first message sent is the request)."""
        self.wait_person(pseudonym)
        self.show("people")
        self.page.click(f'.person[data-pseudonym="{pseudonym}"] .person-button')
        self.page.click(".user-dialog button.primary")
        self.page.wait_for_selector(f'[role=tab][data-tab="draft:{pseudonym}"][aria-selected=true]')


@dataclass
class WindowChatter(Chatter):
    """A chatter in a Chromium of their own, whose page really goes to the background.

    Playwright's own launch keeps every page visible and focused: its focus emulation
    holds each page as "captured", so another tab in front hides nothing. This Chromium is
    started with a DevTools port and joined with ``connect_over_cdp(no_defaults=True)``,
    which leaves focus and visibility to the browser: a second tab in front makes
    ``document.visibilityState`` "hidden" and ``document.hasFocus()`` false, as for a
    person who switched tabs.
    """

    other_tab: Any = None

    def to_background(self) -> None:
        """Another tab of the same window comes to the front."""
        if self.other_tab is None:
            self.other_tab = self.context.new_page()
        self.other_tab.bring_to_front()
        self.page.wait_for_function(
            "() => document.visibilityState === 'hidden' && !document.hasFocus()",
            polling=50,  # a hidden page runs no animation frames
        )

    def to_front(self) -> None:
        """The chatter's tab is the one they look at again."""
        self.page.bring_to_front()
        self.page.wait_for_function(
            "() => document.visibilityState === 'visible' && document.hasFocus()", polling=50
        )


@pytest.fixture
def chatters(browser: Any, server_url: str) -> Iterator[Any]:
    """A factory of chatters, each in its own browser context (own cookies), closed after."""
    made: list[Chatter] = []

    def make(
        locale: str = "fr-FR",
        width: int = 1280,
        height: int = 800,
        open_page: bool = True,
        bypass_csp: bool = False,
        color_scheme: str | None = None,
    ) -> Chatter:
        # bypass_csp: only for tests that inject a checker (axe-core), never to hide a bug.
        context = browser.new_context(
            locale=locale,
            viewport={"width": width, "height": height},
            base_url=server_url,
            bypass_csp=bypass_csp,
            # Screenshots for the docs: a message caught mid fade-in would look faded.
            reduced_motion="reduce" if os.environ.get("CAUSETTE_SCREENSHOTS") else None,
            color_scheme=color_scheme,
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        chatter = Chatter(context=context, page=page, phone=width < 721)
        chatter.watch()
        if open_page:
            page.goto("/")
            page.wait_for_selector("form.join-form")
        made.append(chatter)
        return chatter

    yield make
    for chatter in made:
        chatter.context.close()


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    """A test that takes ``size`` runs on a desktop and on a phone (``SIZES``)."""
    name: str = request.param
    return name


@pytest.fixture
def sized(chatters: Any, size: str) -> Any:
    """Like ``chatters``, at the test's ``size`` unless told otherwise."""
    width, height = SIZES[size]

    def make(**options: Any) -> Chatter:
        options.setdefault("width", width)
        options.setdefault("height", height)
        chatter: Chatter = chatters(**options)
        return chatter

    return make


def _devtools_port(profile: pathlib.Path, proc: subprocess.Popen[bytes]) -> int:
    """The DevTools port a Chromium started with ``--remote-debugging-port=0`` chose."""
    active = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while not (active.exists() and active.read_text().strip()):
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail("Chromium did not open its DevTools port")
        time.sleep(0.05)
    return int(active.read_text().split()[0])


@pytest.fixture
def window_chatter(
    pw: Any, chromium_path: pathlib.Path, server_url: str, tmp_path: pathlib.Path, size: str
) -> Iterator[WindowChatter]:
    """One chatter in a headless Chromium of their own (see ``WindowChatter``), on the join
    form, their tab in front; its page is the test's ``size``."""
    width, height = SIZES[size]
    profile = tmp_path / "chromium-profile"
    proc = subprocess.Popen(
        [
            str(chromium_path),
            "--headless",
            *CHROMIUM_ARGS,
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "--window-size=1280,1000",
            "--lang=fr-FR",
            "--accept-lang=fr-FR,fr",
            "--mute-audio",
            "about:blank",
        ],
        env={**os.environ, "LANGUAGE": "fr_FR:fr", "LANG": "fr_FR.UTF-8"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port = _devtools_port(profile, proc)
        instance = pw.chromium.connect_over_cdp(f"http://127.0.0.1:{port}", no_defaults=True)
        try:
            context = instance.contexts[0]
            context.set_default_timeout(TIMEOUT_MS)
            page = context.pages[0] if context.pages else context.new_page()
            chatter = WindowChatter(context=context, page=page, phone=size == "phone")
            chatter.watch()
            # The window has a frame of its own: the page's size is set as the others' are
            # (a metrics override, which leaves focus and visibility to the browser).
            page.set_viewport_size({"width": width, "height": height})
            page.goto(server_url + "/")
            assert page.evaluate("[innerWidth, innerHeight]") == [width, height]
            page.wait_for_selector("form.join-form")
            chatter.to_front()
            yield chatter
        finally:
            instance.close()
    finally:
        _stop(proc)


@dataclass
class Console:
    """One moderator's console (/desk/) in its own browser context."""

    context: Any
    page: Any
    errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def login(self, name: str, password: str = MODERATOR_PASSWORD) -> None:
        """Fill the login form with the keyboard and wait for the console's tabs."""
        page = self.page
        page.fill("form.login-form input[name=name]", name)
        page.fill("form.login-form input[name=password]", password)
        page.press("form.login-form input[name=password]", "Enter")
        page.wait_for_selector("nav.tabs", timeout=TIMEOUT_MS)

    def wait_live(self) -> None:
        self.page.wait_for_selector('.live-status[data-state="online"]', timeout=TIMEOUT_MS)


@pytest.fixture
def consoles(browser: Any, server_url: str) -> Iterator[Any]:
    """A factory of moderation consoles, each in its own browser context (own cookies)."""
    made: list[Console] = []

    def make(locale: str = "fr-FR", width: int = 1280, height: int = 800) -> Console:
        context = browser.new_context(
            locale=locale, viewport={"width": width, "height": height}, base_url=server_url
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        console = Console(context=context, page=page)
        page.on("pageerror", lambda exc: console.errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: (
                console.csp_violations.append(msg.text)
                if "Content Security Policy" in msg.text
                else None
            ),
        )
        page.goto("/desk/")
        page.wait_for_selector("form.login-form")
        made.append(console)
        return console

    yield make
    for console in made:
        console.context.close()


def desk_fetch(page: Any, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """A request from the page itself (its cookies): {"status", "body"}."""
    result: dict[str, Any] = page.evaluate(
        """async ([method, path, body]) => {
            const init = {method, headers: {"Content-Type": "application/json"}};
            if (body !== null) init.body = JSON.stringify(body);
            const r = await fetch(path, init);
            let data = null;
            try { data = await r.json(); } catch {}
            return {status: r.status, body: data};
        }""",
        [method, path, body],
    )
    return result
