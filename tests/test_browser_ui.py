"""The operator UI in a real Chromium: cross-language search, Arabic layout, filters, keyboard use, screenshots."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from browser import screenshot

pytestmark = pytest.mark.browser


def search_from_home(page: Page, query: str) -> None:
    page.goto("/")
    page.get_by_label("Search practices and learning resources in any language").fill(query)
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"/search\?"))


def test_search_in_italian_and_open_a_spanish_result(page: Page) -> None:
    search_from_home(page, "microcredito per imprenditori migranti senza garanzie")
    expect(page.locator(".detected-lang")).to_contain_text("Italian")

    spanish = page.locator('input[data-facet="lang"][data-value="es"]')
    expect(spanish).to_be_visible()
    spanish.check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"lang=es"))
    first = page.locator(".results-list .card-title").first
    expect(first).to_have_attribute("lang", "es")
    title = first.inner_text()
    first.locator("a").click()

    heading = page.locator("h1")
    expect(heading).to_have_text(title)
    expect(heading).to_have_attribute("lang", "es")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".json-twin a")).to_have_attribute("href", re.compile(r"/api/v1/records/\d+$"))


def test_switch_to_arabic_and_the_layout_is_right_to_left(page: Page) -> None:
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    page.locator('.lang-switch a[hreflang="ar"]').click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    screenshot(page, "home-ar")

    # The choice is remembered on the next page, and the layout really flows from the right.
    page.locator(".main-nav a").nth(1).click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text("تصفح حسب الموضوع")
    brand = page.locator(".brand").bounding_box()
    switcher = page.locator(".lang-switch").bounding_box()
    assert brand["x"] > switcher["x"], "in Arabic the site name sits on the right, the switcher on the left"


def test_filter_results_by_theme_and_country(page: Page) -> None:
    search_from_home(page, "microcredit")
    total_before = int(page.locator(".results-summary .total").inner_text().split()[0])

    page.locator('input[data-facet="theme"][data-value="access-to-credit"]').check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"theme=access-to-credit"))
    page.locator('input[data-facet="country"][data-value="ES"]').check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"country=ES"))

    args = parse_qs(urlsplit(page.url).query)
    assert args["theme"] == ["access-to-credit"] and args["country"] == ["ES"]
    expect(page.locator(".active-filters a")).to_have_count(2)
    total_after = int(page.locator(".results-summary .total").inner_text().split()[0])
    assert 0 < total_after < total_before
    countries = page.locator(".results-list .meta-country").all_inner_texts()
    assert countries and set(countries) == {"Spain"}
    screenshot(page, "results-filtered")

    # Removing the country filter from its chip widens the results again.
    page.locator(".active-filters a", has_text="Spain").click()
    expect(page.locator(".active-filters a")).to_have_count(1)


def test_tick_two_languages_and_submit(page: Page) -> None:
    search_from_home(page, "microcredito per donne migranti")
    counts = {}
    for box in page.locator('input[type="checkbox"][data-facet="lang"]').all():
        counts[box.get_attribute("value")] = int(box.locator("xpath=following-sibling::span[@class='count']").inner_text())
    first, second = sorted(counts, key=lambda lang: -counts[lang])[:2]
    # Ticked by clicking their labels, as a user does, then applied with the one button.
    page.locator(f'input[data-facet="lang"][data-value="{first}"]').locator("xpath=..").click()
    page.locator(f'input[data-facet="lang"][data-value="{second}"]').locator("xpath=..").click()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"lang="))

    assert sorted(parse_qs(urlsplit(page.url).query)["lang"]) == sorted([first, second])
    expect(page.locator(".results-summary .total")).to_contain_text(f"{counts[first] + counts[second]} results")
    expect(page.locator(f'input[data-facet="lang"][data-value="{first}"]')).to_be_checked()
    expect(page.locator(f'input[data-facet="lang"][data-value="{second}"]')).to_be_checked()
    # The languages not ticked are still there, with the counts they had.
    others = [lang for lang in counts if lang not in (first, second)]
    assert others
    for lang in others:
        box = page.locator(f'input[data-facet="lang"][data-value="{lang}"]')
        expect(box).not_to_be_checked()
        expect(box.locator("xpath=following-sibling::span[@class='count']")).to_have_text(str(counts[lang]))
    titles = set(page.locator(".results-list .card-title").evaluate_all("els => els.map(e => e.lang)"))
    assert titles <= {first, second}
    screenshot(page, "results-two-languages")

    page.locator("a.clear-filters").click()
    expect(page.locator('input[data-facet="lang"]:checked')).to_have_count(0)


def test_keyboard_only_search(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    for _ in range(30):
        if page.evaluate("document.activeElement.id") == "q":
            break
        page.keyboard.press("Tab")
    box = page.locator("#q")
    expect(box).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused search box shows where the keyboard is"
    page.keyboard.type("business plan")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=business\+plan"))
    expect(page.locator(".results-list article").first).to_be_visible()


def test_main_pages_load_without_errors_and_are_kept_as_screenshots(page: Page) -> None:
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    for name, url in [("home", "/"), ("results", "/search?q=business+plan+for+a+small+shop"),
                      ("browse-themes", "/browse/themes"), ("browse-country", "/browse/countries/IT"),
                      ("curriculum-path", "/browse/paths/operators"), ("overview", "/overview")]:
        page.goto(url)
        expect(page.locator("h1")).to_have_count(1)
        screenshot(page, name)
    page.goto("/search?q=microcredit")
    page.locator(".results-list .card-title a").first.click()
    expect(page.locator(".record-header h1")).to_be_visible()
    screenshot(page, "record")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/search?q=microcredito")
    screenshot(page, "results-phone")
    assert problems == [], "no failed requests and no console errors (CSP violations show up here)"
