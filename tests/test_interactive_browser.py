"""The interactive page in a real browser: Debian's chromium, driven by Playwright, with the network cut.

Every number the page computes is compared with the command line run in-process on the same values
(``calc summary --set ... --format json``, ``calc check ... --format json``); screenshots of each page
at desktop and phone width are saved under the session's temporary folder (printed with ``-s``).
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest

from tests.conftest import require

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}
K_RANGE = range(1, 16)  # from 11 on a layer has no room left: the page must say so as the CLI does
F_RANGE = range(4, 65, 4)

SYMBOLIC_SPEC = """\
name: symbolic
input: [n, n, c]
symbols: {n: 28, c: 1}
vary: {n: "16:40:4", k: [3, 5, 7], f: "4:16:4", s: [1, 2]}
layers:
  - Conv2D: {filters: f, kernel_size: k, strides: s, padding: valid}
  - MaxPooling2D: {pool_size: 2}
  - Conv2D: {filters: 2*f, kernel_size: k, padding: same}
  - Flatten: {}
  - Dense: {units: 10}
"""


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    require(sync_playwright is not None, "playwright (pip install '.[test]')")
    require(os.path.exists(CHROMIUM), "chromium (apt-get install chromium)")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots of the interactive pages: {folder}")
    return folder


class Page:
    """One page opened from disk with every network request refused; console errors collected."""

    def __init__(self, browser, path: Path, viewport: dict = DESKTOP, fragment: str = ""):
        self.page = browser.new_page(viewport=viewport)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.route("**/*", self._route)
        self.page.goto(path.resolve().as_uri() + fragment)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith("file:"):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def set(self, name: str, value: int) -> None:
        """Move the slider of ``name`` (the contract: an <input name=...>)."""
        self.page.fill(f'input[type="range"][name="{name}"]', str(value))

    def overview(self) -> dict:
        """The overview table and totals as the page shows them now."""
        return self.page.evaluate(
            """() => ({
              rows: Array.from(document.querySelectorAll('table.overview tbody tr')).map((tr) =>
                Array.from(tr.querySelectorAll('td')).map((td) => td.textContent.trim())),
              total: document.querySelector('.total .x').textContent,
              status: document.getElementById('status').hidden ? '' : document.getElementById('status').textContent,
            })"""
        )

    def answer(self, layer: str, quantity: str, text: str) -> dict:
        box = self.page.locator(f'input.answer[data-layer="{layer}"][data-quantity="{quantity}"]')
        box.fill(text)
        box.press("Enter")
        feedback = self.page.locator("#" + box.get_attribute("aria-describedby"))
        return {
            "correct": feedback.get_attribute("data-correct"),
            "mistake": feedback.get_attribute("data-mistake"),
            "text": feedback.text_content(),
            "sentences": feedback.locator("span.line").all_text_contents(),
        }

    def shoot(self, path: Path, full: bool = True) -> None:
        self.page.screenshot(path=str(path), full_page=full)

    def close(self) -> None:
        assert not self.errors, self.errors
        assert not self.requests, self.requests
        self.page.close()


def _page(cli, tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "page.html"
    run = cli("derive", *args, "--format", "html", "-o", str(out))
    assert run.status == 0, run.err
    return out


def _summary(cli, model: str, values: dict[str, int]) -> tuple[dict | None, str]:
    sets = [item for name, value in values.items() for item in ("--set", f"{name}={value}")]
    run = cli("summary", model, *sets, "--format", "json")
    return (run.json(), "") if run.status == 0 else (None, run.err.strip())


def _expected_rows(summary: dict) -> list[list[str]]:
    def shape(dims: list) -> str:
        return "(" + ", ".join("None" if d is None else f"{d:,}" for d in dims) + ")"

    return [[shape(layer["output_shape"]), f"{layer['params']:,}"] for layer in summary["layers"]]


def _agrees(page: Page, summary: dict | None, message: str, where: str) -> None:
    shown = page.overview()
    if summary is None:
        assert shown["status"] == message, where
        assert shown["total"] == "—", where
    else:
        assert shown["status"] == "", where
        assert shown["rows"] == _expected_rows(summary), where
        assert shown["total"] == f"{summary['total_params']:,}", where


def test_lenet5_every_slider_value_agrees_with_the_cli(browser, cli, tmp_path, shots):
    """Exhaustively over k = 1..15 and f = 4..64 (step 4): every shape, count and total, or the CLI's message."""
    path = _page(cli, tmp_path, "lenet5", "--vary", "k=1:15,f=4:64:4")
    page = Page(browser, path)
    invalid = 0
    for k in K_RANGE:
        page.set("k", k)
        for f in F_RANGE:
            page.set("f", f)
            summary, message = _summary(cli, "lenet5", {"k": k, "f": f})
            invalid += summary is None
            _agrees(page, summary, message, f"k={k}, f={f}")
    assert invalid == 5 * len(F_RANGE)  # k = 11 to 15 leave no room for the second pooling or convolution
    # an invalid setting: the CLI's line at the layer that fails, and no numbers there or after
    page.set("k", 15)
    layer = page.page.locator('[data-invalid="2"]')
    assert layer.is_visible()
    assert layer.text_content() == _summary(cli, "lenet5", {"k": 15, "f": 64})[1]
    assert "kernel (15 positions) is larger than the padded input (9)" in layer.text_content()
    page.shoot(shots / "lenet5-invalid.png")
    page.close()


def test_url_fragment_records_and_restores_the_settings(browser, cli, tmp_path):
    path = _page(cli, tmp_path, "lenet5", "--vary", "k=1:7,f=4:64:4")
    page = Page(browser, path)
    page.set("k", 3)
    page.set("f", 12)
    assert page.page.evaluate("location.hash") == "#f=12&k=3"
    page.close()
    again = Page(browser, path, fragment="#f=12&k=3")
    summary, _ = _summary(cli, "lenet5", {"k": 3, "f": 12})
    _agrees(again, summary, "", "from the fragment")
    assert again.page.input_value('input[type="range"][name="k"]') == "3"
    again.close()


def test_a_typed_value_outside_the_slider_and_a_bad_one(browser, cli, tmp_path):
    path = _page(cli, tmp_path, "lenet5")
    page = Page(browser, path)
    page.page.fill("#value-f", "100")  # the slider stops at 16; the typed box takes any positive value
    summary, _ = _summary(cli, "lenet5", {"f": 100, "k": 5})
    _agrees(page, summary, "", "f=100")
    page.page.fill("#value-f", "0")
    assert page.overview()["status"] == _summary(cli, "lenet5", {"f": 0})[1]
    page.close()


# (layer, quantity, answer) at k=5, f=8 and at k=3, f=12: the page's verdict is the checker's.
ANSWERS = [
    ("conv2d", "params", "600"),
    ("conv2d", "params", "608"),
    ("conv2d", "params", "8*76"),
    ("conv2d", "params", "8 × 76"),
    ("conv2d", "params", "8·(75+1)"),
    ("conv2d", "params", "8 x 76 parameters"),
    ("conv2d", "params", "P = 8·(3·5·5 + 1) = 608"),
    ("conv2d", "params", "208"),
    ("conv2d", "params", "1200"),
    ("conv2d", "params", "76"),
    ("conv2d", "params", "f*(3*k**2 + 1)"),
    ("conv2d", "params", "12345"),
    ("conv2d_1", "params", "3200"),
    ("conv2d_1", "params", "3,216"),
    ("conv2d_1", "params", "1216"),
    ("dense", "params", "480"),
    ("conv2d", "output_shape", "(None, 28, 28, 8)"),
    ("conv2d", "output_shape", "28x28x8"),
    ("conv2d", "output_shape", "(27, 27, 8)"),
    ("conv2d", "output_shape", "[32, 32, 8]"),
    ("max_pooling2d", "params", "16"),
    ("max_pooling2d", "output_shape", "14 × 14 × 8"),
    ("max_pooling2d", "output_shape", "(13, 13, 8)"),
    ("dense", "params", "48000"),
    ("dense", "params", "400*120"),
    ("", "total_params", "62958"),
    ("", "total_params", "62 958"),
    ("", "total_params", "62350"),
    ("", "total_params", "1"),
]


#: What the checker diagnoses from the number typed rather than from a rule (a slip of the digits, an error
#: carried from an earlier layer's wrong answer): the page leaves those as "no catalogued mistake".
NOT_COMPILED = {"arithmetic_slip", "carried_error"}


@pytest.mark.parametrize("values", [{"k": 5, "f": 8}, {"k": 3, "f": 12}], ids=["defaults", "moved"])
def test_practice_answers_get_the_checkers_verdict(browser, cli, tmp_path, shots, values):
    path = _page(cli, tmp_path, "lenet5", "--practice")
    page = Page(browser, path)
    for name, value in values.items():
        page.set(name, value)
    sets = [item for name, value in values.items() for item in ("--set", f"{name}={value}")]
    for layer, quantity, text in ANSWERS:
        where = ["--layer", layer] if layer else []
        run = cli("check", "lenet5", *sets, *where, "--quantity", quantity, "--answer", text, "--format", "json")
        expected = json.loads(run.out)
        shown = page.answer(layer, quantity, text)
        assert shown["correct"] == ("true" if expected["correct"] else "false"), (layer, quantity, text, shown)
        if expected["mistake"] in NOT_COMPILED:  # worked out from the typed digits, not from a rule
            continue
        if expected["alternatives"]:  # equally likely mistakes: the page names one of them
            assert shown["mistake"] in expected["alternatives"], (layer, quantity, text, shown, expected)
            continue
        assert shown["mistake"] == expected["mistake"], (layer, quantity, text, shown, expected)
        if expected["mistake"]:  # the catalogue's sentences, with the numbers of these settings
            assert shown["sentences"] and all(line in expected["feedback"] for line in shown["sentences"]), (
                shown["sentences"],
                expected["feedback"],
            )
    page.shoot(shots / f"lenet5-practice-{'-'.join(f'{k}{v}' for k, v in values.items())}.png")
    page.close()


def test_600_for_conv2d_is_forgot_bias_and_blur_checks_too(browser, cli, tmp_path):
    """The issue's example; the verdict follows the sliders (with f = 4, 600 is one bias per weight)."""
    path = _page(cli, tmp_path, "lenet5", "--practice")
    page = Page(browser, path)
    box = page.page.locator('input.answer[data-layer="conv2d"][data-quantity="params"]')
    box.fill("600")
    box.blur()
    feedback = page.page.locator("#" + box.get_attribute("aria-describedby"))
    assert feedback.get_attribute("data-mistake") == "forgot_bias"
    assert "You left out the biases" in feedback.text_content()
    feedback.locator("a").click()  # the link to the layer's steps opens the folded worked solution
    assert page.page.locator("details").get_attribute("open") is not None
    assert page.page.locator("#layer-0 h4").is_visible()
    assert "layer" not in page.page.evaluate("location.hash")  # the fragment keeps the settings alone
    page.set("f", 4)
    run = cli("check", "lenet5", "--set", "f=4", "--quantity", "conv2d.params", "--answer", "600", "--format", "json")
    assert feedback.get_attribute("data-mistake") == run.json()["mistake"] == "bias_per_weight"
    page.close()


def test_keyboard_reaches_every_control_and_box(browser, cli, tmp_path):
    path = _page(cli, tmp_path, "lenet5", "--practice")
    page = Page(browser, path)
    page.page.focus('input[type="range"][name="k"]')
    page.page.keyboard.press("ArrowLeft")  # k: 5 -> 3, the handouts' other kernel size
    assert page.page.input_value("#value-k") == "3"
    unlabelled = page.page.evaluate(
        """() => Array.from(document.querySelectorAll('input')).filter((el) =>
             !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).length"""
    )
    assert unlabelled == 0
    page.page.focus('input.answer[data-layer="conv2d"][data-quantity="params"]')
    page.page.keyboard.type("608")
    page.page.keyboard.press("Enter")
    summary, _ = _summary(cli, "lenet5", {"k": int(page.page.input_value("#value-k")), "f": 8})
    verdict = page.page.locator("#feedback-0-params").get_attribute("data-correct")
    assert verdict == ("true" if summary["layers"][0]["params"] == 608 else "false")
    page.close()


def test_symbolic_spec_page(browser, cli, spec_file, tmp_path, shots):
    """A spec whose input size, kernel, filters and stride are all sliders (from its vary: section)."""
    spec = spec_file(SYMBOLIC_SPEC)
    path = _page(cli, tmp_path, spec, "--practice")
    page = Page(browser, path)
    names = page.page.evaluate("() => Array.from(document.querySelectorAll('input[type=range]')).map((e) => e.name)")
    assert names == ["f", "k", "n", "s"]
    page.page.locator("details summary").click()
    for n, k, s in itertools.product((16, 20, 28, 40), (3, 5, 7), (1, 2)):
        for name, value in (("n", n), ("k", k), ("s", s)):
            page.set(name, value)
        summary, message = _summary(cli, spec, {"n": n, "k": k, "s": s, "f": 4})
        shown = page.page.evaluate(
            "() => [document.querySelector('#totals strong .x').textContent, "
            "document.getElementById('status').textContent]"
        )
        if summary is None:
            assert shown[1] == message, (n, k, s)
        else:
            assert shown == [f"{summary['total_params']:,}", ""], (n, k, s)
    page.set("n", 28)
    page.set("k", 3)
    page.set("s", 1)
    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.page.set_viewport_size(viewport)
        page.shoot(shots / f"symbolic-{name}.png")
    page.close()


def test_resnet50_page(browser, cli, tmp_path, shots):
    path = _page(cli, tmp_path, "resnet50", "--vary", "n=32:256:32")
    page = Page(browser, path)
    for n in (32, 64, 224, 256):
        page.set("n", n)
        summary, message = _summary(cli, "resnet50", {"n": n})
        _agrees(page, summary, message, f"n={n}")
    page.set("n", 224)
    page.shoot(shots / "resnet50-top.png", full=False)
    page.page.locator("#layer-17").scroll_into_view_if_needed()  # the first Add of two branches
    page.shoot(shots / "resnet50-add.png", full=False)
    page.close()


def test_screenshots_of_lenet5(browser, cli, tmp_path, shots):
    path = _page(cli, tmp_path, "lenet5", "--practice")
    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = Page(browser, path, viewport)
        page.answer("conv2d", "params", "600")
        page.answer("conv2d", "output_shape", "28x28x8")
        page.page.locator("details summary").click()
        page.shoot(shots / f"lenet5-practice-{name}.png")
        width = page.page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"the page scrolls sideways at {viewport['width']} px ({width} px wide)"
        page.close()


def test_a_check_inside_a_block_names_the_block_and_its_layer(browser, cli, tmp_path):
    """BERT's encoder is a Repeat of a block: a hidden size its 12 heads do not divide fails inside it."""
    path = _page(cli, tmp_path, "bert_base", "--vary", "H=760:776:4,S=128:512:128")
    page = Page(browser, path)
    for h, s in ((772, 128), (768, 128), (760, 512)):
        page.set("H", h)
        page.set("S", s)
        summary, message = _summary(cli, "bert_base", {"H": h, "S": s})
        _agrees(page, summary, message, f"H={h}, S={s}")
    assert "layer 10 (encoder.layer, Repeat): layer 2 (attention, MultiHeadAttention): key_dim" in message
    page.close()


def test_the_architecture_figure_is_inline_and_its_labels_follow_the_sliders(browser, cli, tmp_path):
    path = _page(cli, tmp_path, "lenet5", "--vary", "k=1:7,f=4:64:4")
    page = Page(browser, path)
    assert page.page.locator("figure svg").count() == 1
    for k, f in ((5, 8), (3, 16), (7, 64)):
        page.set("k", k)
        page.set("f", f)
        labels = page.page.locator("figure svg text").all_text_contents()
        summary, _ = _summary(cli, "lenet5", {"k": k, "f": f})
        assert labels[0] == f"lenet5: {summary['total_params']:,} parameters"
        for layer in summary["layers"]:
            shape = " × ".join(f"{d:,}" for d in layer["output_shape"][1:])
            assert shape in labels, (k, f, layer["name"], shape)
            if layer["params"]:
                assert f"{layer['params']:,} params" in labels, (k, f, layer["name"])
    page.close()
