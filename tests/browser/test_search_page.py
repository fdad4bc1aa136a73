#!/usr/bin/env python3
"""The web search page in a real headless browser (Chromium through Selenium).

    python tests/browser/test_search_page.py URL MANIFEST.json [--screenshots DIR]

URL is a running `trawl serve` over an index of the folder that make_fixture.py wrote, and
MANIFEST.json the manifest it wrote beside it. The test opens `/`, focuses the search box with
the `/` key, types a query, checks the highlighted hits (`mark` elements inside every result)
and the count against the manifest, pages forward, filters by date (every hit inside the
range, as many as the manifest has), follows a year facet, checks the page without
JavaScript, and checks it in a phone-sized window (no sideways scrolling). The browser's log
must stay free of errors (a Content-Security-Policy violation is one). Exits non-zero on the
first failure.
"""
import argparse
import json
import os
import re
import sys
import time
import urllib.parse
import urllib.request

os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium look for a driver online

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

QUERY = "harbour"
PAGE_SIZE = 10


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def make_driver(width, height, javascript=True, phone=False):
    options = webdriver.ChromeOptions()
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if os.path.exists(candidate):
            options.binary_location = candidate
            break
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={width},{height}", "--lang=en-US"):
        options.add_argument(argument)
    if phone:
        # A phone's viewport (desktop windows cannot be narrower than about 500 pixels).
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 3}})
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = next((p for p in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver") if os.path.exists(p)), None)
    service = webdriver.ChromeService(executable_path=driver_path) if driver_path else webdriver.ChromeService()
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    return driver


def wait_for(driver, condition, message, timeout=10):
    try:
        return WebDriverWait(driver, timeout).until(lambda d: condition(d))
    except TimeoutException:
        raise AssertionError(f"timed out: {message} (at {driver.current_url})")


def parameters(driver):
    return urllib.parse.parse_qs(urllib.parse.urlparse(driver.current_url).query)


def hits(driver):
    return driver.find_elements(By.CSS_SELECTOR, "ol.hits > li.hit")


def hit_dates(driver):
    return [h.find_element(By.CSS_SELECTOR, "time").get_attribute("datetime")[:10] for h in hits(driver)]


def status_text(driver):
    return driver.find_element(By.ID, "status").text


def total_from_status(driver):
    match = re.search(r"of ([\d,]+) results|^([\d,]+) results?", status_text(driver))
    check(match, f"the result count is missing: {status_text(driver)!r}")
    return int((match.group(1) or match.group(2)).replace(",", ""))


def browser_errors(driver):
    try:
        entries = driver.get_log("browser")
    except Exception:  # a driver without logs: nothing to check
        return []
    return [e for e in entries if e.get("level") == "SEVERE"]


def collect_all_pages(driver):
    """Dates of every hit, following `Next` to the last page."""
    dates = []
    for _ in range(200):
        dates += hit_dates(driver)
        nexts = driver.find_elements(By.CSS_SELECTOR, "nav.paging a[rel=next]")
        if not nexts:
            return dates
        before = driver.current_url
        nexts[0].click()
        wait_for(driver, lambda d: d.current_url != before, "the next page")
    raise AssertionError("more than 200 pages")


def run(url, manifest, screenshots):
    expected_total = sum(QUERY in a["words"] for a in manifest)
    check(expected_total > 3 * PAGE_SIZE, "the fixture needs more than three pages of hits")
    # Headers: the page goes to browsers with its policy, JSON to other clients.
    request = urllib.request.Request(url + "/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    with urllib.request.urlopen(request, timeout=10) as response:
        check(response.headers.get("Content-Type", "").startswith("text/html"), "GET / for a browser is not HTML")
        check(response.headers.get("X-Content-Type-Options") == "nosniff", "no X-Content-Type-Options: nosniff")
        policy = response.headers.get("Content-Security-Policy", "")
        check("default-src 'none'" in policy and "unsafe" not in policy, f"weak CSP: {policy!r}")
    with urllib.request.urlopen(urllib.request.Request(url + "/", headers={"Accept": "application/json"}), timeout=10) as response:
        check(response.headers.get("Content-Type", "").startswith("application/json"), "GET / for JSON is not JSON")
        json.load(response)

    driver = make_driver(1280, 900)
    try:
        driver.get(url + "/")
        check("Search" in driver.title, f"title {driver.title!r}")
        box = driver.find_element(By.ID, "q")
        check(driver.find_element(By.CSS_SELECTOR, "label[for=q]") is not None, "the search box has no label")
        intro = driver.find_element(By.CSS_SELECTOR, "section.intro").text
        check(f"{len(manifest)} documents" in intro, f"the introduction does not count the documents: {intro!r}")
        if screenshots:
            driver.save_screenshot(os.path.join(screenshots, "desktop-home.png"))

        # `/` focuses the search box (the progressive script ran: the CSP let it).
        driver.execute_script("document.activeElement.blur()")
        check(driver.switch_to.active_element.get_attribute("id") != "q", "the search box kept the focus")
        ActionChains(driver).send_keys("/").perform()
        wait_for(driver, lambda d: d.switch_to.active_element.get_attribute("id") == "q", "`/` focusing the search box")
        box = driver.find_element(By.ID, "q")
        box.send_keys(QUERY + Keys.ENTER)
        wait_for(driver, lambda d: parameters(d).get("q") == [QUERY], "the search to load")
        first_page = hits(driver)
        check(len(first_page) == PAGE_SIZE, f"page 1 has {len(first_page)} hits")
        for hit in first_page:
            marks = hit.find_elements(By.CSS_SELECTOR, "mark")
            check(marks, f"a hit without highlights: {hit.text[:80]!r}")
            check(all(m.text.lower() == QUERY for m in marks), f"unexpected highlights {[m.text for m in marks]}")
            check(hit.find_element(By.CSS_SELECTOR, "h2").text.strip(), "a hit without a title")
            check(hit.find_element(By.CSS_SELECTOR, ".path").text.endswith(".md"), "a hit without its path")
        total = total_from_status(driver)
        check(total == expected_total, f"{total} results, the manifest has {expected_total}")
        check(driver.find_element(By.ID, "status").get_attribute("aria-live") == "polite", "the count is not a live region")
        page_one_ids = [h.get_attribute("data-id") for h in first_page]
        if screenshots:
            driver.save_screenshot(os.path.join(screenshots, "desktop-results.png"))

        # The next page.
        driver.find_element(By.CSS_SELECTOR, "nav.paging a[rel=next]").click()
        wait_for(driver, lambda d: parameters(d).get("page") == ["2"], "page 2")
        check(parameters(driver).get("q") == [QUERY], "paging lost the query")
        page_two_ids = [h.get_attribute("data-id") for h in hits(driver)]
        check(len(page_two_ids) == PAGE_SIZE and not set(page_two_ids) & set(page_one_ids), "page 2 repeats page 1")
        check(status_text(driver).startswith("11–20 of"), f"page 2 status {status_text(driver)!r}")
        current = driver.find_element(By.CSS_SELECTOR, "nav.paging [aria-current=page]").text
        check(current == "2", f"the current page is marked {current!r}")

        # The date filter: every hit inside the range, as many as the manifest has.
        low, high = "2017-03-01", "2019-06-30"
        driver.execute_script(
            "document.getElementById('from').value = arguments[0]; document.getElementById('to').value = arguments[1];",
            low, high)
        driver.find_element(By.CSS_SELECTOR, "fieldset.options button[type=submit]").click()
        wait_for(driver, lambda d: parameters(d).get("from") == [low], "the date filter")
        check("page" not in parameters(driver), "filtering kept the page number")
        in_range = sum(QUERY in a["words"] and low <= a["date"] <= high for a in manifest)
        check(total_from_status(driver) == in_range, f"{status_text(driver)!r}, the manifest has {in_range} in range")
        dates = collect_all_pages(driver)
        check(len(dates) == in_range, f"{len(dates)} hits across the pages, expected {in_range}")
        check(all(low <= d <= high for d in dates), f"hits outside {low}..{high}: {[d for d in dates if not low <= d <= high]}")

        # Ordering by date: choosing it submits the form (progressive script).
        driver.get(url + "/?q=" + QUERY)
        select = driver.find_element(By.ID, "sort")
        select.find_element(By.CSS_SELECTOR, "option[value=newest]").click()
        wait_for(driver, lambda d: parameters(d).get("sort") == ["newest"], "the order to apply")
        newest = hit_dates(driver)
        check(newest == sorted(newest, reverse=True), f"newest first is not sorted: {newest}")
        check(newest[0] == max(a["date"] for a in manifest if QUERY in a["words"]), "not the newest article first")

        # A year facet: its count is what the filtered page finds, and every hit is in that year.
        link = driver.find_element(By.CSS_SELECTOR, "aside.facets section a")
        year = link.find_element(By.CSS_SELECTOR, ".value").text
        count = int(link.find_element(By.CSS_SELECTOR, ".n").text.replace(",", ""))
        link.click()
        wait_for(driver, lambda d: parameters(d).get("year") == [year], "the year filter")
        check(total_from_status(driver) == count, f"the year {year} shows {status_text(driver)!r}, its facet said {count}")
        check(all(d.startswith(year) for d in collect_all_pages(driver)), f"hits outside {year}")
        check(sum(QUERY in a["words"] and a["date"].startswith(year) for a in manifest) == count, "the facet count differs from the manifest")

        # Hostile input comes back as text.
        hostile = '"><script>window.hacked=1</script><img src=x>'
        driver.get(url + "/?q=" + urllib.parse.quote(hostile))
        check(driver.find_element(By.ID, "q").get_attribute("value") == hostile, "the query did not round-trip")
        check(driver.execute_script("return window.hacked === undefined"), "injected script ran")
        check(not driver.find_elements(By.CSS_SELECTOR, "img"), "injected markup")

        errors = browser_errors(driver)
        check(not errors, f"browser errors: {errors}")
    finally:
        driver.quit()

    # A phone: no sideways scrolling, the box and results fit.
    driver = make_driver(390, 844, phone=True)
    try:
        driver.get(url + "/?q=" + QUERY)
        check(driver.execute_script("return window.innerWidth") == 390, "the phone viewport is not 390 pixels wide")
        width = driver.execute_script("return window.innerWidth")
        scroll = driver.execute_script("return document.documentElement.scrollWidth")
        check(scroll <= width, f"the phone page scrolls sideways: {scroll} > {width}")
        box = driver.find_element(By.ID, "q")
        check(box.size["width"] >= 150 and box.location["x"] + box.size["width"] <= width, f"search box {box.rect}")
        for hit in hits(driver):
            check(hit.location["x"] >= 0 and hit.location["x"] + hit.size["width"] <= width, f"a hit overflows: {hit.rect}")
        if screenshots:
            driver.save_screenshot(os.path.join(screenshots, "phone-results.png"))
            driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
            driver.save_screenshot(os.path.join(screenshots, "phone-bottom.png"))
    finally:
        driver.quit()

    # Without JavaScript the form still searches and pages.
    driver = make_driver(1024, 768, javascript=False)
    try:
        driver.get(url + "/")
        driver.find_element(By.ID, "q").send_keys(QUERY)
        driver.find_element(By.CSS_SELECTOR, ".box button[type=submit]").click()
        wait_for(driver, lambda d: parameters(d).get("q") == [QUERY], "the search without JavaScript")
        check(len(hits(driver)) == PAGE_SIZE, "no hits without JavaScript")
        driver.find_element(By.CSS_SELECTOR, "nav.paging a[rel=next]").click()
        wait_for(driver, lambda d: parameters(d).get("page") == ["2"], "page 2 without JavaScript")
    finally:
        driver.quit()


def main():
    parser = argparse.ArgumentParser(description="The search page in headless Chromium.")
    parser.add_argument("url")
    parser.add_argument("manifest")
    parser.add_argument("--screenshots", help="a folder for screenshots (desktop and phone)")
    args = parser.parse_args()
    with open(args.manifest, encoding="utf-8") as f:
        manifest = json.load(f)
    if args.screenshots:
        os.makedirs(args.screenshots, exist_ok=True)
    started = time.time()
    try:
        run(args.url.rstrip("/"), manifest, args.screenshots)
    except AssertionError as failure:
        print(f"test_search_page: FAILED: {failure}")
        return 1
    print(f"test_search_page: ok ({time.time() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
