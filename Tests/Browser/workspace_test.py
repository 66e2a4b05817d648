#!/usr/bin/env python3
"""The buyer's workspace in a real browser (Debian's chromium + chromedriver, driven by selenium).

On a fresh ledger from the demo's opening events and the demo's plan (notebooks-data/demo/plan.toml):
start `replenish serve --plan`, sign in with a buyer's key, filter, refuse bad quantities inline (nothing
changes), approve two lines (one edited and rounded by its case pack), release them from their PO, check
through the API that incoming rose by exactly the released quantities, release one line from two tabs
and by a double click (ordered once), open the PO document and a SKU page, and take the screenshots the
README shows. Loopback only; the server is stopped at the end, also on failure.

    python3 Tests/Browser/workspace_test.py BIN SCREENSHOT_FOLDER
"""
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/replenish")
SHOTS = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots")
DEMO = "notebooks-data/demo"
checks = 0


def check(condition, message):
    global checks
    if not condition:
        raise AssertionError(message)
    checks += 1


def run(*args):
    result = subprocess.run([BIN, *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"replenish {' '.join(args)}: exit {result.returncode}\n{result.stderr}")
    return result.stdout


def api(base, key, path):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def incoming(base, key, sku, location):
    levels = api(base, key, f"/v1/inventory-levels?sku={urllib.parse.quote(sku)}&location={urllib.parse.quote(location)}")["inventory_levels"]
    return levels[0]["incoming"] if levels else 0


def main():
    work = tempfile.mkdtemp(prefix="replenish-browser-")
    server = None
    driver = None
    try:
        db = os.path.join(work, "ledger.sqlite")
        plan = os.path.join(work, "plan")
        run("ledger", "init", "--db", db, "--locations-file", f"{DEMO}/locations.csv", "--items", f"{DEMO}/items.csv")
        run("ledger", "import", "--db", db, f"{DEMO}/opening_events.csv")
        # The demo's plan.toml with its paths made absolute and its [report] backtest from a replay of our own
        # (the demo's policy backtest, trained to 2011-06-30; re-planned every 4 weeks rather than weekly to keep the test short).
        backtest = os.path.join(work, "backtest.csv")
        run("simulate", "--history", "notebooks-data/online_retail_weekly_sku.csv", "--freq", "week", "--items", f"{DEMO}/items.csv",
            "--suppliers", f"{DEMO}/suppliers.csv", "--train-until", "2011-06-30", "--replan-every", "4", "--out", backtest)
        config = os.path.join(work, "plan.toml")
        demo = os.path.abspath(DEMO)
        with open(f"{DEMO}/plan.toml") as source, open(config, "w") as target:
            for line in source:
                if line.startswith("backtest"):
                    line = f'backtest = "{backtest}"\n'

                target.write(re.sub(r'= "(\.\./[^"]*|[a-z_]+\.(?:csv|toml))"', lambda m: '= "' + os.path.normpath(os.path.join(demo, m.group(1))) + '"', line))
        run("plan", "--config", config, "--db", db, "--out", plan)
        # People sign in with keys bound to a channel of their own (its name is recorded as who released).
        run("serve", "channel", "--db", db, "--name", "buyer-anna")
        run("serve", "channel", "--db", db, "--name", "analyst")
        buyer = run("serve", "key", "create", "--db", db, "--channel", "buyer-anna", "--scope", "inventory:read", "--scope", "inventory:write").strip()
        reader = run("serve", "key", "create", "--db", db, "--channel", "analyst", "--scope", "inventory:read").strip()
        out = open(os.path.join(work, "serve.out"), "w")
        server = subprocess.Popen([BIN, "serve", "--db", db, "--port", "0", "--plan", plan, "--config", config, "--log-level", "warning"], stdout=out,
                                  stderr=open(os.path.join(work, "serve.err"), "w"))
        base = None
        for _ in range(200):
            text = open(os.path.join(work, "serve.out")).read()
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", text)
            if m:
                base = m.group(1)
                break
            if server.poll() is not None:
                raise RuntimeError("the server stopped: " + open(os.path.join(work, "serve.err")).read())
            time.sleep(0.05)
        check(base is not None, "the server did not start listening")
        suggestions = api(base, reader, "/v1/plans/current")
        lines = [l for l in suggestions["lines"] if l["status"] == "suggested"]
        check(len(lines) >= 6, f"the demo plan suggests {len(lines)} lines")

        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-GB"]:
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
        driver.set_page_load_timeout(60)

        def wait_for_text(markers, seconds):
            """The page's text once it shows one of `markers` (a page that refreshes itself while a run goes on)."""
            deadline = time.time() + seconds
            text = ""
            while time.time() < deadline:
                try:
                    text = driver.find_element(By.TAG_NAME, "main").text
                    if any(m in text for m in markers):
                        return text
                except WebDriverException:
                    pass  # caught mid-refresh
                time.sleep(1)
            return text

        def navigate(action):
            """Runs an action that loads a new page (a click, Enter in a form) and waits until it has."""
            old = driver.find_element(By.TAG_NAME, "html")
            action()
            WebDriverWait(driver, 60).until(expected_conditions.staleness_of(old))
            WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.readyState") == "complete")
        os.makedirs(SHOTS, exist_ok=True)

        # Sign in: a wrong key is refused on the page, the buyer's key opens the suggestions.
        driver.get(base + "/")
        check(driver.current_url.endswith("/ui/login"), f"not redirected to the login page: {driver.current_url}")
        navigate(lambda: driver.find_element(By.ID, "key").send_keys("rk_00000000_" + "0" * 32 + Keys.ENTER))
        check("not known" in driver.find_element(By.ID, "login-error").text, "a wrong key must be refused inline")
        driver.save_screenshot(os.path.join(SHOTS, "workspace-login.png"))
        navigate(lambda: driver.find_element(By.ID, "key").send_keys(buyer + Keys.ENTER))
        check(driver.current_url.endswith("/ui/buyer"), f"login did not open the buyer page: {driver.current_url}")
        check("Purchase suggestions" in driver.find_element(By.TAG_NAME, "h1").text, "no suggestions heading")

        # Keyboard: the first Tab reaches the skip link.
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        check(driver.switch_to.active_element.text == "Skip to content", "the first Tab must reach the skip link")

        # The first PO section's first two lines.
        section = driver.find_elements(By.CSS_SELECTOR, "section.po")[0]
        po_id = section.find_element(By.CSS_SELECTOR, "header span.muted").text.split(" · ")[0]
        po_lines = [l for l in lines if l["po"] == po_id]
        check(len(po_lines) >= 2, f"{po_id} has {len(po_lines)} lines")
        first, second = po_lines[0], po_lines[1]
        before = {l["line_id"]: incoming(base, reader, l["sku"], l["location"]) for l in lines}

        def line_form(line_id):
            anchor = re.sub(r"[^A-Za-z0-9_-]", "_", line_id)
            return driver.find_element(By.ID, f"line-{anchor}").find_element(By.CSS_SELECTOR, "form.line-form")

        def submit(line_id, quantity, action):
            form = line_form(line_id)
            field = form.find_element(By.NAME, "quantity")
            field.clear()
            field.send_keys(str(quantity))
            navigate(form.find_element(By.CSS_SELECTOR, f"button[value={action}]").click)

        # Bad quantities: an inline message at the line, nothing changed.
        cap = 10 * max(first["quantity"], first["moq"], first["case_pack"])
        for bad, expected in [("0", "from 1"), ("-4", "from 1"), ("twelve", "whole number"), (str(cap + 1), f"at most {cap}")]:
            submit(first["line_id"], bad, "approve")
            message = driver.find_element(By.CSS_SELECTOR, "div.err[role=alert]").text
            check(expected in message, f"quantity {bad}: message {message!r} should say {expected!r}")
            check(line_form(first["line_id"]).find_element(By.NAME, "quantity").get_attribute("value") == bad, "the typed value is kept")
        driver.save_screenshot(os.path.join(SHOTS, "workspace-inline-error.png"))
        check(incoming(base, reader, first["sku"], first["location"]) == before[first["line_id"]], "a refused form changed the ledger")
        current = api(base, reader, "/v1/plans/current")
        check(all(l["status"] != "approved" and "released" not in l for l in current["lines"] if l["line_id"] == first["line_id"]), "a refused form recorded something")

        # Approve the first line edited (one unit more than the suggestion: rounded up by its case pack) and the second as suggested.
        step = first["case_pack"] * first["order_multiple"] // math.gcd(first["case_pack"], first["order_multiple"])
        typed = first["quantity"] + 1
        rounded = -(-max(first["moq"], typed) // step) * step
        submit(first["line_id"], typed, "approve")
        notice = driver.find_element(By.CSS_SELECTOR, ".notice").text
        check(f"approved at {rounded}" in notice, f"notice {notice!r} should give the rounded {rounded}")
        submit(second["line_id"], second["quantity"], "approve")
        check("approved" in driver.find_element(By.CSS_SELECTOR, ".notice").text, "second approval not confirmed")
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(os.path.join(SHOTS, "workspace-buyer.png"))

        # Release the PO's approved lines; incoming rises by exactly the approved quantities.
        section = [s for s in driver.find_elements(By.CSS_SELECTOR, "section.po") if po_id in s.text][0]
        navigate(section.find_element(By.CSS_SELECTOR, "form[action='/ui/release'] button").click)
        notice = driver.find_element(By.CSS_SELECTOR, ".notice").text
        check(notice.startswith("Released") and first["line_id"] in notice and second["line_id"] in notice, f"release notice: {notice!r}")
        check(incoming(base, reader, first["sku"], first["location"]) == before[first["line_id"]] + rounded, "incoming of the edited line")
        check(incoming(base, reader, second["sku"], second["location"]) == before[second["line_id"]] + second["quantity"], "incoming of the second line")

        # Two tabs: both show a third line; tab 1 releases it, tab 2 (stale) releases it again → ordered once.
        third = po_lines[2] if len(po_lines) > 2 else [l for l in lines if l["po"] != po_id][0]
        driver.get(base + "/ui/buyer")
        tab1 = driver.current_window_handle
        driver.switch_to.new_window("tab")
        driver.get(base + "/ui/buyer")
        tab2 = driver.current_window_handle
        driver.switch_to.window(tab1)
        submit(third["line_id"], third["quantity"], "release")
        driver.switch_to.window(tab2)
        submit(third["line_id"], third["quantity"], "release")
        notice = driver.find_element(By.CSS_SELECTOR, ".notice").text
        check("already released" in notice, f"the stale tab's release should say already released: {notice!r}")
        check(incoming(base, reader, third["sku"], third["location"]) == before[third["line_id"]] + third["quantity"], "two tabs ordered twice")
        driver.close()
        driver.switch_to.window(tab1)

        # A double click on Release: ordered once.
        fourth = [l for l in lines if l["line_id"] not in {first["line_id"], second["line_id"], third["line_id"]}][0]
        driver.get(base + "/ui/buyer")
        button = line_form(fourth["line_id"]).find_element(By.CSS_SELECTOR, "button[value=release]")
        ActionChains(driver).double_click(button).perform()
        time.sleep(1)
        WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.readyState") == "complete" and "/ui/buyer" in d.current_url)
        check(incoming(base, reader, fourth["sku"], fourth["location"]) == before[fourth["line_id"]] + fourth["quantity"], "a double click ordered twice")
        released = [l for l in api(base, reader, "/v1/plans/current")["lines"] if l["status"] == "released"]
        check(len(released) == 4, f"{len(released)} lines released, expected 4")

        # Filters: class A only.
        driver.get(base + "/ui/buyer")
        Select(driver.find_element(By.NAME, "class")).select_by_value("A")
        navigate(driver.find_element(By.CSS_SELECTOR, "form.filters button").click)
        classes = {row.find_elements(By.TAG_NAME, "td")[1].text for row in driver.find_elements(By.CSS_SELECTOR, "tbody tr")}
        check(classes == {"A"}, f"class filter shows {classes}")

        # The PO document and a SKU page.
        driver.get(base + "/ui/buyer")
        navigate(driver.find_element(By.LINK_TEXT, "PO document").click)
        check(po_id in driver.find_element(By.TAG_NAME, "h1").text, "PO document heading")
        edit_note = f"buyer set {typed} → {rounded}" if rounded != typed else f"buyer set {typed} (suggested"
        check(edit_note in driver.page_source, "the PO document keeps the buyer's edit and its rounding")
        driver.save_screenshot(os.path.join(SHOTS, "workspace-po.png"))
        driver.get(base + "/ui/sku?sku=" + urllib.parse.quote(first["sku"]))
        check("Positions" in driver.page_source and str(rounded) in driver.page_source, "SKU page")
        check(len(driver.find_elements(By.CSS_SELECTOR, "figure svg polygon.b95")) >= 1, "the SKU page draws the forecast with its bands")
        check("Promised vs achieved service" in driver.page_source and "Cycles (short)" in driver.page_source, "the SKU's backtest service")
        driver.save_screenshot(os.path.join(SHOTS, "workspace-sku.png"))

        # The planner: a bad field refused inline (nothing run), then a peak-season scenario in the background.
        driver.get(base + "/ui/planner")
        driver.find_element(By.ID, "f-name").send_keys("peak season")
        driver.find_element(By.ID, "f-month_12").send_keys("1.4")
        driver.find_element(By.ID, "f-runs").send_keys("lots")
        navigate(driver.find_element(By.CSS_SELECTOR, "form.scenario button.primary").click)
        check("expected a whole number of runs" in driver.find_element(By.ID, "e-runs").text, "a bad run count refused at its field")
        check("None yet." in driver.page_source, "a refused form ran nothing")
        runs = driver.find_element(By.ID, "f-runs")
        runs.clear()
        runs.send_keys("20")
        driver.find_element(By.ID, "f-lead_time").send_keys("SUP-15 = 14")
        navigate(driver.find_element(By.CSS_SELECTOR, "form.scenario button.primary").click)
        check("/ui/planner/scn-" in driver.current_url, f"the scenario page: {driver.current_url}")
        check("Dec demand × 1.4" in driver.page_source and "lead time SUP-15 +14 days" in driver.page_source, "assumptions listed")
        text = wait_for_text(["Baseline vs scenario", "failed"], 300)
        check("Baseline vs scenario" in text, "the scenario did not finish in 300 s: " + text[:300])
        driver.save_screenshot(os.path.join(SHOTS, "workspace-scenario.png"))
        driver.get(base + "/ui/planner")
        check("peak season" in driver.page_source, "the scenario is listed")
        driver.save_screenshot(os.path.join(SHOTS, "workspace-planner.png"))

        # The analyst: ABC × XYZ as of the plan date, the moves since the previous month-end, one cell's SKUs.
        driver.get(base + "/ui/analyst")
        check("Classes as of 2011-12-09" in driver.page_source and "Moves since 2011-11-30" in driver.page_source, "analyst page")
        driver.save_screenshot(os.path.join(SHOTS, "workspace-analyst.png"))
        moves = [a for a in driver.find_elements(By.CSS_SELECTOR, "td.n a") if "from=" in a.get_attribute("href")]
        check(len(moves) >= 1, "the transition matrix links its cells")
        navigate(moves[0].click)
        check("SKUs that moved from" in driver.page_source and len(driver.find_elements(By.CSS_SELECTOR, "#moves ~ div tbody tr")) >= 1, "a cell's SKUs")

        # Re-run the plan in the background: its progress, then the new plan (released lines stay ordered).
        driver.get(base + "/ui/plan-run")
        navigate(driver.find_element(By.CSS_SELECTOR, "form[action='/ui/plan-run'] button").click)
        text = wait_for_text(["Last re-plan", "failed"], 300)
        check("Last re-plan (by buyer-anna): plan plan-2011-12-09-" in text, "re-plan: " + text[:300])
        driver.save_screenshot(os.path.join(SHOTS, "workspace-replan.png"))
        check(incoming(base, reader, first["sku"], first["location"]) == before[first["line_id"]] + rounded, "a re-plan does not touch released lines")

        # Phone width.
        driver.set_window_size(390, 844)
        driver.get(base + "/ui/buyer")
        width = driver.execute_script("return document.documentElement.scrollWidth")
        check(width <= 400, f"the page is {width} px wide at phone width")
        driver.save_screenshot(os.path.join(SHOTS, "workspace-buyer-phone.png"))

        server.terminate()
        server.wait(timeout=20)
        verify = run("ledger", "verify", "--db", db)
        check("FAIL" not in verify and "events:" in verify, "ledger verify: " + verify[-300:])
        print(f"browser: {checks} passed, 0 failed")
    finally:
        if driver is not None:
            driver.quit()
        if server is not None and server.poll() is None:
            server.kill()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:
        print(f"browser: {checks} passed, 1 failed\n{type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
