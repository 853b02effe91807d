# -*- coding: utf-8 -*-
"""The MinIO web console as a collaborator uses it: Debian's Chromium, driven by Playwright.

The session server of minio_testbed.py runs its console (MINIO_BROWSER=on) with the STS lifetime that
roles/minio_server writes (MINIO_STS_DURATION=1h). Two collaborators are made through the real
``minio_collaborator`` module, each on its folder ``results/<project>/`` of one bucket:

* ``stay``: read-only, one day. It logs in to the console, sees its file, downloads it (the bytes are
  compared), and cannot list or download from the sibling folder ``results/<project>-2/``.
* ``soon``: read-only, expiring EXPIRY_DELAY seconds after it is made. Before the expiry it logs in and
  downloads (the control), and mints STS keys with boto3 asking for 12 hours. After the expiry, with no
  module run in between, the console session it already holds cannot list or download, and its STS keys
  are refused. Then one ``minio_collaborator`` run (what the sweep does every two minutes on nectar)
  disables the account: the console refuses the login, and the STS keys and AssumeRole are refused.

The console logs in with STS AssumeRole on the user's keys (minio/console api/client.go); a Deny on
``aws:principaltype AssumedRole`` in the collaborator policy makes every console listing "Access Denied",
so these tests fail on that policy. The browser may reach only the loopback: every other request is
aborted, and Chromium's own background services are off. The test CA is not in Chromium's store, so the
context ignores certificate errors (TLS itself is verified by the other suites).
"""

from __future__ import annotations

import datetime
import json
import os
import secrets
import time
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from escape_clients import boto3_call, boto3_client, put_bytes

# Debian's package (scripts/test.sh installs it); Playwright's own browser download is never used.
CHROMIUM = "/usr/bin/chromium"
EXPIRY_DELAY = 50  # seconds between creating "soon" and its expiry
STS_DURATION = 3600  # MINIO_STS_DURATION of the test server (minio_testbed.py) and the role's default
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-default-apps", "--disable-domain-reliability",
                 "--disable-client-side-phishing-detection", "--disable-features=Translate,OptimizationHints"]
REFUSED = ("AccessDenied", "InvalidAccessKeyId", "InvalidClientTokenId", "ExpiredToken", "SignatureDoesNotMatch",
           "XMinioAccessKeyDisabled", "InvalidParameterValue")


def _utc(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


# =========================================================================== the world
@pytest.fixture(scope="module")
def world(server):
    s3 = server.clients()[0]
    tag = "c" + secrets.token_hex(3)
    bucket = tag + "-ligan"
    s3.make_bucket(bucket)  # unversioned: minio_collaborator accepts the folder as it is
    projects = {"stay": "chu-liege", "soon": "chu-lyon"}
    files = {}
    for project in projects.values():
        files[project] = secrets.token_bytes(3000)
        put_bytes(s3, bucket, "results/%s/report.bin" % project, files[project])
        put_bytes(s3, bucket, "results/%s-2/secret.vcf" % project, b"SIBLING " + project.encode())
    yield {"tag": tag, "bucket": bucket, "projects": projects, "files": files}
    for obj in s3.list_objects(bucket, recursive=True):
        s3.remove_object(bucket, obj.object_name)
    s3.remove_bucket(bucket)


def _collab_args(world, kind, until):
    args = {"name": "%s-%s" % (world["tag"], kind), "bucket": world["bucket"],
            "prefix": "results/" + world["projects"][kind], "access": "read-only"}
    if until:
        args["expires_at"] = until
    else:
        args["days"] = 1
    return args


@pytest.fixture(scope="module")
def collaborators(server, ansible, world):
    """stay and soon, made in one ansible-playbook run; removed (state: absent) at the end."""
    until = (_now().replace(microsecond=0) + datetime.timedelta(seconds=EXPIRY_DELAY)).strftime("%Y-%m-%dT%H:%M:%SZ")
    wanted = {"stay": _collab_args(world, "stay", None), "soon": _collab_args(world, "soon", until)}
    results = ansible.run(server, [{"name": kind, "egid.s3share.minio_collaborator": args}
                                   for kind, args in wanted.items()])
    found = {}
    for (kind, args), result in zip(wanted.items(), results):
        assert not result.get("failed"), result.get("msg")
        found[kind] = {"args": args, "access_key": result["credentials"]["access_key"],
                       "secret_key": result["credentials"]["secret_key"], "expires_at": result["expires_at"],
                       "project": world["projects"][kind]}
    yield found
    ansible.run(server, [{"egid.s3share.minio_collaborator": {"name": c["args"]["name"], "state": "absent"},
                          "ignore_errors": True} for c in found.values()])


# =========================================================================== the browser
@pytest.fixture(scope="module")
def chromium():
    assert os.access(CHROMIUM, os.X_OK), "%s is missing: apt-get install chromium (scripts/test.sh does)" % CHROMIUM
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _loopback_only(route):
    if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


class Console:
    """One browser context (its own cookies) on the test server's console."""

    def __init__(self, browser, server, shots):
        self.server, self.base, self.shots = server, server.console_endpoint, shots
        self.context = browser.new_context(ignore_https_errors=True, accept_downloads=True,
                                           viewport={"width": 1280, "height": 800})
        self.context.route("**/*", _loopback_only)
        self.page = self.context.new_page()
        # Requests that failed (a refused HTTP/2 stream, a closed connection): shown when a page never loads.
        self.failed = []
        self.page.on("requestfailed", lambda r: self.failed.append("%s %s" % (urlsplit(r.url).path, r.failure)))
        self.page.set_default_timeout(20000)
        self.login_body = None

    def shot(self, name):
        self.page.screenshot(path=str(self.shots / ("%s.png" % name)))

    def _acknowledge(self):
        button = self.page.get_by_role("button", name="Acknowledge")  # the AGPL notice, shown once per browser
        if button.count():
            button.first.click()

    def login(self, access_key, secret_key):
        """Fill the login form; the status of the console's POST /api/v1/login (204 when it worked)."""
        for attempt in range(4):
            # Chromium aborts a load when the host's interfaces change (the other suites' containers come
            # and go: net::ERR_NETWORK_CHANGED): load the page again. (The login page that never rendered,
            # with ERR_HTTP2_SERVER_REFUSED_STREAM and ERR_CONNECTION_CLOSED on its assets, was the console
            # server's keep-alives being off: patch 0011, test_console_keepalive.py.)
            try:
                self.page.goto(self.base + "/login")
                self.page.wait_for_selector("#accessKey", timeout=15000)
                break
            except PlaywrightError:
                if attempt == 3:
                    self.shot("login-page")
                    raise AssertionError("the console's login page did not load; failed requests: %s"
                                         % self.failed[-12:])
        self.page.fill("#accessKey", access_key)
        self.page.fill("#secretKey", secret_key)
        with self.page.expect_response(lambda r: urlsplit(r.url).path == "/api/v1/login"
                                       and r.request.method == "POST") as answer:
            self.page.click("#do-login")
        status = answer.value.status
        self.login_body = answer.value.request.post_data  # what the form sent, replayed by login_again()
        if status == 204:
            self.page.wait_for_url("**/browser**")
        return status

    def login_again(self, body):
        """POST a login body the form sent before to /api/v1/login, in this context: the console's status.

        Playwright's request client, not a page load: Chromium aborts page loads when the host's interfaces
        change (the other suites' containers come and go), and a login page that did not load would prove
        nothing. The answer is the console server's, as for the form."""
        answer = self.context.request.post(self.base + "/api/v1/login", data=body,
                                           headers={"Content-Type": "application/json"})
        return answer.status

    def open_folder(self, bucket, prefix, name):
        """Open bucket/prefix in the object browser (it lists over a websocket): the text of the page once
        the file name, the empty-folder notice or a denial is shown (or after 20 s)."""
        url = "%s/browser/%s/%s" % (self.base, bucket, quote(prefix, safe=""))
        for attempt in range(4):
            try:
                self.page.goto(url)
                break
            except PlaywrightError:  # as in login()
                if attempt == 3:
                    raise
        self._acknowledge()
        try:
            self.page.wait_for_function(
                "(words) => { const main = document.querySelector('main') || document.body;"
                " return words.some((w) => main.innerText.toLowerCase().includes(w)); }",
                arg=[name.lower(), "location is empty", "denied"], timeout=20000)
        except PlaywrightError:
            pass
        self._acknowledge()
        main = self.page.locator("main")
        return main.first.inner_text() if main.count() else self.page.inner_text("body")

    def api_list(self, bucket, prefix):
        """The console's REST listing with this session's cookie: (status, object names)."""
        answer = self.context.request.get("%s/api/v1/buckets/%s/objects?prefix=%s" % (
            self.base, bucket, quote(prefix, safe="")))
        names = [o.get("name") for o in (answer.json().get("objects") or [])] if answer.status == 200 else []
        return answer.status, names

    def download(self, name):
        """Click the file, then Download, as a user does: the bytes saved by Chromium."""
        self.page.get_by_text(name, exact=True).first.click()
        with self.page.expect_download(timeout=20000) as event:
            self.page.get_by_text("Download", exact=True).first.click()
        download = event.value
        with open(download.path(), "rb") as handle:
            return download.suggested_filename, handle.read()

    def api_download(self, bucket, key):
        """The console's own download call with this session's cookie (what the Download button fetches)."""
        answer = self.context.request.get("%s/api/v1/buckets/%s/objects/download?prefix=%s" % (
            self.base, bucket, quote(key, safe="")))
        return answer.status, answer.body()

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    return tmp_path_factory.mktemp("console-shots")


@pytest.fixture(scope="module", autouse=True)
def soon_before(chromium, server, world, collaborators, shots):
    """What "soon" does before its expiry: a console session (kept open) that downloads, and STS keys.

    Autouse, so that it runs first, well before the expiry, whichever test of the module is selected."""
    soon = collaborators["soon"]
    console = Console(chromium, server, shots)
    key = "results/%s/report.bin" % soon["project"]
    status = console.login(soon["access_key"], soon["secret_key"])
    listed = console.api_list(world["bucket"], "results/%s/" % soon["project"])
    downloaded = console.api_download(world["bucket"], key)
    sts = boto3_client(server, soon["access_key"], soon["secret_key"], service="sts")
    minted = boto3_call(sts.assume_role, RoleArn="arn:xxx:xxx:xxx:xxxx", RoleSessionName="before-expiry",
                        DurationSeconds=43200)
    keys = minted.value["Credentials"] if minted.ok else None
    read = None
    if keys:
        derived = boto3_client(server, keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"])
        read = boto3_call(derived.get_object, Bucket=world["bucket"], Key=key)
    # The same login again, in a fresh context, replaying what the form sent: the control of the refusal
    # after the sweep (test_after_the_sweep_login_and_sts_are_refused).
    fresh = Console(chromium, server, shots)
    try:
        replayed = fresh.login_again(console.login_body)
    finally:
        fresh.close()
    done = _now()
    yield {"console": console, "login": status, "replayed": replayed, "listed": listed, "downloaded": downloaded, "minted": minted,
           "keys": keys, "read": read, "done": done, "key": key}
    console.close()


def _status(server, collab):
    return json.loads(server.clients()[1].user_info(collab["access_key"]))["status"]


def _refused(answer, data):
    """The console's download answer is a refusal: the console turns MinIO's AccessDenied into a 500."""
    status, body = answer
    return status != 200 and data not in body and b"Access Denied" in body


def _wait_for_expiry(collab):
    remaining = (_utc(collab["expires_at"]) - _now()).total_seconds() + 1.5
    if remaining > 0:
        time.sleep(remaining)


@pytest.fixture(scope="module")
def soon_disabled(server, ansible, collaborators):
    """One minio_collaborator run after the expiry: it disables the account at once (as the sweep removes it)."""
    soon = collaborators["soon"]
    _wait_for_expiry(soon)
    args = {k: v for k, v in soon["args"].items() if k != "expires_at"}  # the same grant, no new expiry
    result = ansible.run(server, [{"egid.s3share.minio_collaborator": args}])[0]
    assert not result.get("failed"), result.get("msg")
    assert _status(server, soon) == "disabled"
    return result


# =========================================================================== the tests
def test_collaborator_browses_and_downloads_its_folder(chromium, server, world, collaborators, shots):
    stay = collaborators["stay"]
    console = Console(chromium, server, shots)
    try:
        assert console.login(stay["access_key"], stay["secret_key"]) == 204
        shown = console.open_folder(world["bucket"], "results/%s/" % stay["project"], "report.bin")
        console.shot("stay-folder")
        assert "report.bin" in shown and "denied" not in shown.lower(), shown
        status, names = console.api_list(world["bucket"], "results/%s/" % stay["project"])
        assert status == 200 and names == ["results/%s/report.bin" % stay["project"]], (status, names)
        name, data = console.download("report.bin")
        assert name == "report.bin"
        assert data == world["files"][stay["project"]], "the downloaded bytes differ from the object"
    finally:
        console.close()


def test_collaborator_cannot_list_or_download_a_sibling_folder(chromium, server, world, collaborators, shots):
    stay = collaborators["stay"]
    sibling = "results/%s-2/" % stay["project"]
    console = Console(chromium, server, shots)
    try:
        assert console.login(stay["access_key"], stay["secret_key"]) == 204
        shown = console.open_folder(world["bucket"], sibling, "secret.vcf")
        console.shot("stay-sibling")
        assert "secret.vcf" not in shown, shown
        status, names = console.api_list(world["bucket"], sibling)
        assert status in (401, 403) and not names, "the console listed %s (status %s): %s" % (sibling, status, names)
        answer = console.api_download(world["bucket"], sibling + "secret.vcf")
        assert _refused(answer, b"SIBLING"), answer
        # Its own folder, in the same session, still works: the refusal above is the folder's.
        status, body = console.api_download(world["bucket"], "results/%s/report.bin" % stay["project"])
        assert status == 200 and body == world["files"][stay["project"]]
    finally:
        console.close()


def test_sts_keys_are_capped_and_confined(soon_before, server, world, collaborators):
    """boto3 AssumeRole with the collaborator's keys, asking for 12 hours: the server's cap, the same folder."""
    soon = collaborators["soon"]
    minted = soon_before["minted"]
    assert minted.ok, minted
    keys = soon_before["keys"]
    lifetime = (keys["Expiration"] - soon_before["done"]).total_seconds()
    assert lifetime <= STS_DURATION + 60, "STS keys asked for 43200 s live %d s" % lifetime
    assert soon_before["read"].ok and soon_before["read"].value["Body"] == world["files"][soon["project"]], \
        soon_before["read"]
    derived = boto3_client(server, keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"])
    sibling = boto3_call(derived.get_object, Bucket=world["bucket"], Key="results/%s-2/secret.vcf" % soon["project"])
    assert not sibling.ok and sibling.code == "AccessDenied", sibling
    again = boto3_call(derived.list_objects_v2, Bucket=world["bucket"], Prefix="results/%s-2/" % soon["project"])
    assert not again.ok and again.code == "AccessDenied", again


def test_after_expiry_the_session_and_sts_keys_are_refused(soon_before, server, world, collaborators):
    """From the expiry on, before any sweep or module run, only the policy's date condition is left: the
    console session opened before and the STS keys minted before are refused."""
    soon = collaborators["soon"]
    assert soon_before["done"] < _utc(soon["expires_at"]), "the control ran past the expiry: raise EXPIRY_DELAY"
    assert soon_before["login"] == 204 and soon_before["listed"][0] == 200, soon_before
    assert soon_before["downloaded"] == (200, world["files"][soon["project"]])
    _wait_for_expiry(soon)
    assert _status(server, soon) == "enabled", "something disabled the account already"
    console = soon_before["console"]
    answer = console.api_download(world["bucket"], soon_before["key"])
    assert _refused(answer, world["files"][soon["project"]]), answer
    shown = console.open_folder(world["bucket"], "results/%s/" % soon["project"], "report.bin")
    console.shot("soon-session-after-expiry")
    assert "report.bin" not in shown, shown
    status, names = console.api_list(world["bucket"], "results/%s/" % soon["project"])
    assert status in (401, 403) and not names, (status, names)
    keys = soon_before["keys"]
    derived = boto3_client(server, keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"])
    after = boto3_call(derived.get_object, Bucket=world["bucket"], Key=soon_before["key"])
    assert not after.ok and after.code == "AccessDenied", after


def test_after_the_sweep_login_and_sts_are_refused(soon_before, soon_disabled, chromium, server, world,
                                                   collaborators, shots):
    """Once the account is disabled (soon_disabled), the console refuses the login, and MinIO the STS keys
    minted before and any new AssumeRole.

    The login is tried twice from fresh contexts: in Chromium, through the login form as a person does, and
    by posting again the exact body the form posted before the expiry (accepted then: the control, 204)."""
    soon = collaborators["soon"]
    assert soon_before["login"] == 204 and soon_before["replayed"] == 204, soon_before
    fresh = Console(chromium, server, shots)
    try:
        status = fresh.login(soon["access_key"], soon["secret_key"])
        fresh.shot("soon-login-after-the-sweep")
        assert status in (401, 403), "an expired collaborator logged in to the console (status %s)" % status
        assert "/browser" not in fresh.page.url
    finally:
        fresh.close()
    fresh = Console(chromium, server, shots)
    try:
        status = fresh.login_again(soon_before["console"].login_body)
        assert status in (401, 403), "the replayed login was accepted (status %s)" % status
    finally:
        fresh.close()
    answer = soon_before["console"].api_download(world["bucket"], soon_before["key"])
    assert answer[0] != 200 and world["files"][soon["project"]] not in answer[1], answer
    keys = soon_before["keys"]
    derived = boto3_client(server, keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"])
    after = boto3_call(derived.get_object, Bucket=world["bucket"], Key=soon_before["key"])
    assert not after.ok and after.code in REFUSED, after
    sts = boto3_client(server, soon["access_key"], soon["secret_key"], service="sts")
    again = boto3_call(sts.assume_role, RoleArn="arn:xxx:xxx:xxx:xxxx", RoleSessionName="after-expiry",
                       DurationSeconds=900)
    assert not again.ok and again.code in REFUSED, again
