"""The pages in a real browser: headless Chromium driven by Selenium against a live `quire serve`.

`tools/browser-test` starts the server on a loopback port with a fresh database and three users
(a system admin and two admins) and passes their tokens here; it runs these with pytest.

Two admins sign in in two browser contexts at once, each imports a paper and sees only their own;
the duplicate refusal and the similar-session warning are shown in words; progress, complete and
delete work, and a version conflict is explained; the other admin's session URL gives exactly the
not-found page; the system admin's dashboard shows both sessions and updates without a reload;
the audit view shows the denied attempt; axe-core finds no serious accessibility violation. Sharing,
an offer accepted, a transfer from the monitor and a cleanup after its dry run, with no axe violation at all.
"""

import json
import os
import pathlib
import re
import tempfile
import time
import urllib.request
import uuid

import pytest
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ["QUIRE_URL"].rstrip("/")
TOKENS = json.loads(os.environ["QUIRE_TOKENS"])  # {"ops": …, "alice": …, "bob": …}
EMAILS = json.loads(os.environ["QUIRE_EMAILS"])
ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "events" / "samples"
SHOTS = pathlib.Path(os.environ.get("QUIRE_SCREENSHOTS", ROOT / "docs" / "screenshots"))


def browser():
    """A new browser context: its own profile, so its own cookies."""
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(arg)
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    return driver


def wait(driver, condition, seconds=15, what="condition"):
    return WebDriverWait(driver, seconds, poll_frequency=0.2).until(lambda d: condition(d), message=what)


def text(driver, selector="main"):
    """The visible text of an element, read in one script (no stale element between steps)."""
    return driver.execute_script("var e = document.querySelector(arguments[0]); return e ? e.innerText : '';", selector)


def sign_in(driver, who):
    driver.get(BASE + "/")
    assert "Sign in to quire" in text(driver)
    driver.find_element(By.ID, "token").send_keys(TOKENS[who])
    driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]").click()
    wait(driver, lambda d: "Signed in as" in text(d, "header"), what="signed in")
    assert EMAILS[who] in text(driver, "header")


def upload(driver, path, name=None):
    driver.get(BASE + "/")
    driver.find_element(By.ID, "paper").send_keys(str(path))
    if name:
        driver.find_element(By.ID, "session-name").send_keys(name)
    driver.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
    read = "return Array.from(document.querySelectorAll('.notice')).map(n => n.innerText);"
    wait(driver, lambda d: d.execute_script(read), what="upload answered")
    return driver.execute_script(read)


def session_ids(driver):
    driver.get(BASE + "/")
    # Read in one script: the live region may be redrawn between two element look-ups.
    return driver.execute_script("return Array.from(document.querySelectorAll('tr[data-session]')).map(r => r.dataset.session);")


def api(method, path, who, body=None, headers=None):
    request = urllib.request.Request(BASE + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Authorization", "Bearer " + TOKENS[who])
    request.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        request.add_header(k, v)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def axe_check(driver, page):
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    serious = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
    assert not serious, f"{page}: " + "; ".join(f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)" for v in serious)


@pytest.fixture(scope="module")
def drivers():
    made = {who: browser() for who in ("alice", "bob", "ops")}
    yield made
    for d in made.values():
        d.quit()


def test_two_admins_a_system_admin_and_the_audit(drivers):
    alice, bob, ops = drivers["alice"], drivers["bob"], drivers["ops"]

    # The sign-in page passes axe before anyone signs in.
    alice.get(BASE + "/")
    axe_check(alice, "sign-in")

    sign_in(alice, "alice")
    sign_in(bob, "bob")
    assert "Your recent import sessions" in text(alice)
    assert "Each user has their own isolated workspace" in text(alice)

    # Each imports a paper at the same time, and sees only their own.
    notes = upload(alice, SAMPLES / "mathematics-9709-12-2023.json")
    assert any("Imported" in n and "Mathematics" in n for n in notes), notes
    notes = upload(bob, SAMPLES / "chemistry-9701-21-2023.json")
    assert any("Imported" in n for n in notes), notes
    alice_ids, bob_ids = session_ids(alice), session_ids(bob)
    assert len(alice_ids) == 1 and len(bob_ids) == 1
    assert not set(alice_ids) & set(bob_ids)
    assert "Chemistry" not in text(alice) and "Mathematics" not in text(bob)
    maths = alice_ids[0]
    assert "Your Import Session In Progress" in text(alice)
    assert "Other users can work on their own imports simultaneously" in text(alice)
    SHOTS.mkdir(parents=True, exist_ok=True)

    # The same paper re-formatted: refused, naming her session.
    notes = upload(alice, SAMPLES / "mathematics-9709-12-2023.reformatted.json")
    assert any("already imported in your session " + maths in n for n in notes), notes
    # The same paper code with other content: imported, with a warning naming the other session.
    paper = json.loads((SAMPLES / "mathematics-9709-12-2023.json").read_text())
    paper["questions"] = paper["questions"][:3]
    similar = pathlib.Path(tempfile.mkdtemp()) / "maths-short.json"
    similar.write_text(json.dumps(paper))
    notes = upload(alice, similar, name="Maths, short copy")
    assert any("You already have session " + maths in n and "same paper" in n for n in notes), notes
    assert len(session_ids(alice)) == 2

    # Progress on her session page.
    alice.get(f"{BASE}/sessions/{maths}")
    axe_check(alice, "session")
    Select(alice.find_element(By.ID, "step-select")).select_by_value("questions")
    field = alice.find_element(By.ID, "progress-input")
    field.clear()
    field.send_keys("40")
    field = alice.find_element(By.ID, "questions-input")
    field.clear()
    field.send_keys("4")
    alice.find_element(By.CSS_SELECTOR, "form input[value=progress]").find_element(By.XPATH, "..").submit()
    wait(alice, lambda d: "Progress saved." in text(d), what="progress saved")
    assert text(alice, "#progress") == "40%"
    assert text(alice, "#step") == "questions"

    # Someone changes it meanwhile (her other tab, through the API): the page explains the conflict.
    api("PATCH", f"/v1/sessions/{maths}", "alice", {"progress": 45})
    field = alice.find_element(By.ID, "progress-input")
    field.clear()
    field.send_keys("50")
    alice.find_element(By.CSS_SELECTOR, "form input[value=progress]").find_element(By.XPATH, "..").submit()
    wait(alice, lambda d: "Someone changed this session since you opened it" in text(d), what="conflict explained")
    assert text(alice, "#progress") == "45%"

    # Bob types Alice's session into the URL: exactly the page a missing session gets.
    bob.get(f"{BASE}/sessions/{maths}")
    theirs = text(bob).replace(maths, "ID")
    missing = str(uuid.uuid4())
    bob.get(f"{BASE}/sessions/{missing}")
    assert text(bob).replace(missing, "ID") == theirs
    assert "Not found" in theirs and "is visible to you" in theirs

    # The system admin's dashboard shows both, and follows a change without reloading.
    sign_in(ops, "ops")
    ops.get(BASE + "/monitor")
    board = text(ops)
    assert EMAILS["alice"] in board and EMAILS["bob"] in board
    assert "Chemistry" in board and "Mathematics" in board
    wait(ops, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-live-connected") == "true", what="stream open")
    ops.execute_script("window.__notReloaded = true;")
    alice.get(f"{BASE}/sessions/{maths}")
    field = alice.find_element(By.ID, "progress-input")
    field.clear()
    field.send_keys("70")
    alice.find_element(By.CSS_SELECTOR, "form input[value=progress]").find_element(By.XPATH, "..").submit()
    wait(alice, lambda d: "Progress saved." in text(d), what="progress 70 saved")
    row = f"tr[data-session='{maths}'] .progress-text"
    wait(ops, lambda d: text(d, row) == "70%", what="monitor updated live")
    assert ops.execute_script("return window.__notReloaded === true;")
    axe_check(ops, "monitor")

    # The audit view shows Bob's denied attempt, with its explanation.
    ops.get(BASE + "/audit?denied=true")
    trail = text(ops)
    assert "access.denied" in trail and EMAILS["bob"] in trail
    axe_check(ops, "audit")
    ops.find_element(By.LINK_TEXT, "explain").click()
    wait(ops, lambda d: "Outcome: denied" in text(d), what="explained")
    assert "Ownership" in text(ops)

    # Complete one, delete the other.
    alice.get(f"{BASE}/sessions/{maths}")
    alice.find_element(By.CSS_SELECTOR, "form input[value=complete]").find_element(By.XPATH, "..").submit()
    wait(alice, lambda d: "The import is completed." in text(d), what="completed")
    assert text(alice, "#status") == "Completed"
    short = [i for i in session_ids(alice) if i != maths][0]
    alice.get(f"{BASE}/sessions/{short}")
    alice.find_element(By.ID, "reason").send_keys("a short copy")
    alice.find_element(By.CSS_SELECTOR, "button.danger").click()
    wait(alice, lambda d: "The session was deleted." in text(d), what="deleted")
    assert session_ids(alice) == [maths]
    axe_check(alice, "workspace")

    # Screenshots for the README: a workspace with a session in progress, and the dashboard.
    notes = upload(alice, SAMPLES / "physics-9702-22-2022.json")
    alice.get(BASE + "/")
    alice.save_screenshot(str(SHOTS / "workspace.png"))
    bob.get(BASE + "/")
    ops.get(BASE + "/monitor")
    wait(ops, lambda d: "Physics" in text(d), what="physics on the monitor")
    ops.save_screenshot(str(SHOTS / "monitor.png"))
    # A phone-sized window still shows the workspace without sideways scrolling of the page.
    alice.set_window_size(390, 844)
    alice.get(BASE + "/")
    width = alice.execute_script("return document.documentElement.scrollWidth")
    assert width <= 400, width
    alice.save_screenshot(str(SHOTS / "workspace-phone.png"))
    alice.set_window_size(1280, 1000)


def test_a_cross_site_form_is_refused(drivers):
    # A form on another origin posting to quire: SameSite=Strict keeps the cookie at home, and
    # without it the post is not signed in; with a forged Origin the server refuses it too.
    request = urllib.request.Request(BASE + "/logout", method="POST", data=b"csrf=x")
    request.add_header("Origin", "https://evil.example")
    request.add_header("Cookie", "quire_token=" + TOKENS["alice"] + "; quire_csrf=y")
    try:
        urllib.request.urlopen(request, timeout=10)
        status = 200
    except urllib.error.HTTPError as e:
        status = e.code
    assert status == 403


def test_keyboard_sign_in_and_drag_and_drop_upload():
    driver = browser()
    try:
        # Signing in with the keyboard alone: type the token, Tab to the button, Enter.
        driver.get(BASE + "/")
        field = driver.find_element(By.ID, "token")
        field.click()
        field.send_keys(TOKENS["bob"])
        webdriver.ActionChains(driver).send_keys(Keys.TAB).perform()
        focused = driver.switch_to.active_element
        assert focused.text == "Sign in", focused.text
        focused.send_keys(Keys.ENTER)
        wait(driver, lambda d: "Signed in as" in text(d, "header"), what="signed in by keyboard")

        # A file dropped on the upload form's drop zone fills its file input.
        paper = (SAMPLES / "biology-9700-22-2021.json").read_text()
        driver.execute_script("""
            const zone = document.querySelector('[data-drop]');
            const data = new DataTransfer();
            data.items.add(new File([arguments[0]], 'biology-9700-22-2021.json', { type: 'application/json' }));
            for (const type of ['dragenter', 'dragover', 'drop']) {
              zone.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
            }
        """, paper)
        assert "Ready to import biology-9700-22-2021.json" in text(driver, "#drop-help")
        driver.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
        wait(driver, lambda d: "Imported" in text(d), what="dropped file imported")
        assert "Biology" in text(driver)
    finally:
        driver.quit()


WEBAPP_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>School web app</title></head>
<body><main><h1>School web app</h1><p id="out">working</p></main><script>
async function run(base, token) {
  const auth = { "Authorization": "Bearer " + token };
  const results = {};
  try {
    const list = await fetch(base + "/v1/sessions", { headers: auth });
    results.list = { status: list.status, count: (await list.json()).length };
    const created = await fetch(base + "/v1/sessions?file_name=webapp.json",
      { method: "POST", headers: { ...auth, "Content-Type": "application/json" },
        body: JSON.stringify({ paper: { code: "WEB/1" }, questions: [1, 2, 3] }) });
    const session = await created.json();
    results.created = { status: created.status, etag: created.headers.get("ETag"), command: created.headers.get("Quire-Command-Id") };
    // PATCH with If-Match: a preflighted request.
    const updated = await fetch(base + "/v1/sessions/" + session.id,
      { method: "PATCH", headers: { ...auth, "Content-Type": "application/json", "If-Match": created.headers.get("ETag") },
        body: JSON.stringify({ progress: 30 }) });
    results.updated = { status: updated.status, progress: (await updated.json()).progress, etag: updated.headers.get("ETag") };
  } catch (e) {
    results.error = String(e);
  }
  return results;
}
</script></body></html>"""


def serve_webapp(port):
    import http.server
    import threading

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = WEBAPP_PAGE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_web_app_on_its_own_origin_calls_the_api():
    """`serve --cors-origin http://127.0.0.1:WEBAPP` (tools/browser-test): the page on that origin
    lists, creates and updates with If-Match (a preflight), reading ETag; a page on any other
    origin is stopped by the browser."""
    allowed = serve_webapp(int(os.environ["QUIRE_WEBAPP_PORT"]))
    other = serve_webapp(0)
    driver = browser()
    try:
        driver.set_script_timeout(20)
        run = "const done = arguments[arguments.length - 1]; run(arguments[0], arguments[1]).then(done);"
        driver.get(f"http://127.0.0.1:{allowed.server_address[1]}/")
        results = driver.execute_async_script(run, BASE, TOKENS["alice"])
        assert "error" not in results, results
        assert results["list"]["status"] == 200
        assert results["created"]["status"] == 201 and results["created"]["etag"] and results["created"]["command"]
        assert results["updated"] == {"status": 200, "progress": 30, "etag": results["updated"]["etag"]}
        assert results["updated"]["etag"] != results["created"]["etag"]

        driver.get(f"http://127.0.0.1:{other.server_address[1]}/")
        refused = driver.execute_async_script(run, BASE, TOKENS["alice"])
        assert "error" in refused and "list" not in refused, refused
    finally:
        driver.quit()
        allowed.shutdown()
        other.shutdown()


def axe_clean(driver, page):
    """Stricter than axe_check, for the hand-over and cleanup forms: no violation of any impact."""
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    assert not results["violations"], f"{page}: " + "; ".join(
        f"{v['id']} ({v.get('impact')}): {v['help']} ({len(v['nodes'])} nodes)" for v in results["violations"])


def paper_file(code, subject):
    path = pathlib.Path(tempfile.mkdtemp()) / f"{code.replace('/', '-')}.json"
    path.write_text(json.dumps({"paper": {"code": code, "subject": subject, "year": 2024},
                                "questions": [{"number": n, "text": f"Q{n}"} for n in range(1, 6)]}))
    return path


def submit_form(driver, form_id):
    driver.find_element(By.CSS_SELECTOR, f"#{form_id} button[type=submit]").click()


def test_sharing_offers_transfer_and_cleanup_in_the_pages():
    """Issue 17 in the pages: Alice shares a session with Bob (viewer), offers him another which he
    accepts, a system admin transfers the first from the monitor and Alice's old page is refused;
    then Alice cleans up her completed sessions after seeing the dry run. Every new form passes axe."""
    alice, bob, ops = browser(), browser(), browser()
    try:
        for driver, who in ((alice, "alice"), (bob, "bob"), (ops, "ops")):
            sign_in(driver, who)
        upload(alice, paper_file("HAND/1", "Handover"), name="Shared paper")
        upload(alice, paper_file("HAND/2", "Offered"), name="Offered paper")
        mine = {s["name"]: s["id"] for s in api("GET", "/v1/sessions", "alice")}
        shared, offered = mine["Shared paper"], mine["Offered paper"]

        # The owner's page: share with Bob as a viewer; he is listed with his role.
        alice.get(f"{BASE}/sessions/{shared}")
        axe_clean(alice, "session (owner, not shared)")
        alice.find_element(By.ID, "share-with").send_keys(EMAILS["bob"])
        Select(alice.find_element(By.ID, "share-role")).select_by_value("viewer")
        submit_form(alice, "share-form")
        wait(alice, lambda d: f"Shared with {EMAILS['bob']} as viewer." in text(d), what="shared")
        assert "viewer" in text(alice, f"tr[data-collaborator='{EMAILS['bob']}']")
        axe_clean(alice, "session (owner, shared)")
        SHOTS.mkdir(parents=True, exist_ok=True)
        alice.execute_script("document.getElementById('share-heading').scrollIntoView()")
        alice.save_screenshot(str(SHOTS / "session-sharing.png"))

        # Bob sees it in his list, marked, and its page gives him no control.
        bob.get(BASE + "/")
        assert "Shared with you (viewer)" in text(bob, f"tr[data-session='{shared}']")
        bob.get(f"{BASE}/sessions/{shared}")
        assert "Shared with you as viewer by " + EMAILS["alice"] in text(bob)
        assert not bob.find_elements(By.CSS_SELECTOR, "main form")
        axe_clean(bob, "session (viewer)")

        # Alice offers the other one to Bob; it waits in his workspace until he accepts.
        alice.get(f"{BASE}/sessions/{offered}")
        alice.find_element(By.ID, "offer-to").send_keys(EMAILS["bob"])
        submit_form(alice, "offer-form")
        wait(alice, lambda d: "the session stays yours until they accept" in text(d), what="offered")
        assert "Offered to " + EMAILS["bob"] + " until" in text(alice, "#pending-offer")
        bob.get(BASE + "/")
        assert "Offered to you" in text(bob)
        assert "from " + EMAILS["alice"] in text(bob, f"li[data-offer='{offered}']")
        axe_clean(bob, "workspace with an offer")
        bob.find_element(By.CSS_SELECTOR, f"li[data-offer='{offered}'] input[value=accept]").find_element(By.XPATH, "..").submit()
        wait(bob, lambda d: "the session is yours now" in text(d), what="accepted")
        assert text(bob, "#owner") == EMAILS["bob"]

        # Alice has the shared session's page open when a system admin transfers it to Bob from the
        # monitor, which names its collaborator.
        alice.get(f"{BASE}/sessions/{shared}")
        ops.get(BASE + "/monitor")
        assert EMAILS["bob"] + " (viewer)" in text(ops, f"tr[data-session='{shared}'] .collaborators")
        assert "offers waiting for an answer" in text(ops) and "Last sweep" in text(ops)
        axe_clean(ops, "monitor")
        ops.find_element(By.CSS_SELECTOR, f"tr[data-session='{shared}'] a[href*='transfer=']").click()
        wait(ops, lambda d: d.find_element(By.ID, "transfer-session").get_attribute("value") == shared, what="transfer form filled")
        ops.find_element(By.ID, "transfer-to").send_keys(EMAILS["bob"])
        ops.find_element(By.ID, "transfer-reason").send_keys("Alice is on leave")
        submit_form(ops, "transfer-form")
        wait(ops, lambda d: "Transferred" in text(d, ".notice"), what="transferred")
        assert EMAILS["bob"] in text(ops, ".notice")

        # Alice's page from before the transfer: her post is refused with the not-found page, and recorded.
        field = alice.find_element(By.ID, "progress-input")
        field.clear()
        field.send_keys("55")
        alice.find_element(By.CSS_SELECTOR, "form input[value=progress]").find_element(By.XPATH, "..").submit()
        wait(alice, lambda d: "Not found" in text(d), what="former owner refused")
        assert "is visible to you" in text(alice)
        denied = api("GET", f"/v1/audit?denied=true&session={shared}", "ops")
        assert any(r["actor_email"] == EMAILS["alice"] and r["payload"]["command"] == "session.update" for r in denied), denied

        # Cleanup: the dry run lists exactly her completed sessions; only the confirmation deletes.
        assert offered not in {s["id"] for s in api("GET", "/v1/sessions", "alice")}  # Bob's now
        upload(alice, paper_file("HAND/3", "Cleanup"), name="Finished paper")
        finished = {s["name"]: s["id"] for s in api("GET", "/v1/sessions", "alice")}["Finished paper"]
        api("POST", f"/v1/sessions/{finished}/complete", "alice")
        expected = {s["id"] for s in api("GET", "/v1/sessions", "alice")
                    if s["status"] == "completed" and s["owner_email"] == EMAILS["alice"]}
        alice.get(BASE + "/cleanup")
        axe_clean(alice, "cleanup")
        Select(alice.find_element(By.ID, "c-status")).select_by_value("completed")
        submit_form(alice, "cleanup-form")
        wait(alice, lambda d: "These sessions would be deleted" in text(d), what="dry run listed")
        listed = set(alice.execute_script(
            "return Array.from(document.querySelectorAll('#cleanup-matches tr[data-session]')).map(r => r.dataset.session);"))
        assert listed == expected, (listed, expected)
        assert {s["id"] for s in api("GET", "/v1/sessions", "alice")} >= expected  # nothing deleted yet
        axe_clean(alice, "cleanup dry run")
        submit_form(alice, "confirm-form")
        wait(alice, lambda d: "Deleted" in text(d, ".notice"), what="cleaned up")
        assert f"Deleted {len(expected)} session" in text(alice, ".notice")
        assert not {s["id"] for s in api("GET", "/v1/sessions", "alice")} & expected
    finally:
        for d in (alice, bob, ops):
            d.quit()
