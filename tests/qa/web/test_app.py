"""The review web app through its HTTP interface: login, sessions, CSRF and Origin checks,
trusted hosts, security headers, who may see which item, escaping, reviews, adjudication,
and logs free of item text."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mhds.errors import ConfigError
from mhds.qa.decisions import load_decisions
from mhds.qa.review import run_status
from mhds.qa.reviewers import add_reviewer
from mhds.qa.run import sample_records
from mhds.qa.web.app import WebSettings, check_bind, create_app, serve, server_config
from mhds.qa.web.security import CONTENT_SECURITY_POLICY
from tests.qa.web.conftest import CSRF, GOOD, LOW, PLACEHOLDER, QA, SCRIPT, ReviewSite

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
ORIGIN = {"Origin": BASE}


@pytest.fixture(scope="module")
def app(site: ReviewSite) -> FastAPI:
    return create_app(WebSettings(site.store, site.run.name, qa_prefix=QA, port=PORT))


@pytest.fixture()
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, follow_redirects=False) as client:
        yield client


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def log_in(client: TestClient, token: str) -> str:
    """Log in; return the session's CSRF token."""
    csrf = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"token": token, "csrf": csrf}, headers=ORIGIN)
    assert response.status_code == 303 and response.headers["location"] == "/"
    return csrf_of(client.get("/").text)


def review_form(
    site: ReviewSite, item_id: str, csrf: str, score: int = GOOD, **fields: str
) -> dict[str, str]:
    item = site.run.item(item_id)
    assert item is not None
    review = site.run.rubric.reviews[item.review]
    form = {f"score.{key}": str(score) for key in review.keys}
    return {**form, "pii_found": "no", "notes": "", "csrf": csrf, **fields}


def ordinary_items(site: ReviewSite) -> list[str]:
    return [item.item_id for item in site.run.items if item.item_id != site.planted]


def count_decisions(site: ReviewSite) -> int:
    return len(load_decisions(site.store, QA, site.run.name))


def test_a_reviewer_logs_in_with_their_token(site: ReviewSite, client: TestClient) -> None:
    log_in(client, site.tokens["alice"])
    page = client.get("/")
    assert page.status_code == 200
    assert "alice (reviewer)" in page.text and "Your items" in page.text
    assert re.search(rf"\d+ of {len(site.run.items)} reviewed", page.text)
    assert site.run.name in page.text and site.run.content_digest[:19] in page.text


def test_a_wrong_token_gets_a_generic_401(site: ReviewSite, client: TestClient) -> None:
    csrf = csrf_of(client.get("/login").text)
    for token in ("not-a-token", site.tokens["alice"][:-1], ""):
        response = client.post("/login", data={"token": token, "csrf": csrf}, headers=ORIGIN)
        assert response.status_code == 401
        assert "That token was not accepted." in response.text
        assert "alice" not in response.text
    assert client.get("/").status_code == 303


def test_a_reviewer_added_while_serving_can_log_in(site: ReviewSite, client: TestClient) -> None:
    token = add_reviewer(site.store, QA, "erin", "reviewer")
    log_in(client, token)
    page = client.get("/")
    assert "erin (reviewer)" in page.text and "No items of this run" in page.text


def test_logging_out_ends_the_session(site: ReviewSite, client: TestClient) -> None:
    csrf = log_in(client, site.tokens["alice"])
    response = client.post("/logout", data={"csrf": csrf}, headers=ORIGIN)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/").headers["location"] == "/login"


def test_without_a_session_pages_go_to_login(site: ReviewSite, client: TestClient) -> None:
    item_id = site.run.items[0].item_id
    for path in ("/", f"/items/{item_id}", f"/adjudicate/{item_id}"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/login"
    before = count_decisions(site)
    csrf = csrf_of(client.get("/login").text)  # a pre-login session with its CSRF token
    response = client.post(
        f"/items/{item_id}", data=review_form(site, item_id, csrf), headers=ORIGIN
    )
    assert response.status_code == 401
    fresh = TestClient(client.app, base_url=BASE, follow_redirects=False)
    response = fresh.post(f"/items/{item_id}", data=review_form(site, item_id, "x"), headers=ORIGIN)
    assert response.status_code == 403
    assert count_decisions(site) == before


@pytest.mark.parametrize("csrf", [None, "", "forged-token"])
def test_a_post_without_the_sessions_csrf_token_is_refused(
    site: ReviewSite, client: TestClient, csrf: str | None
) -> None:
    log_in(client, site.tokens["alice"])
    item_id = ordinary_items(site)[0]
    form = review_form(site, item_id, "")
    if csrf is None:
        form.pop("csrf")
    else:
        form["csrf"] = csrf
    before = count_decisions(site)
    response = client.post(f"/items/{item_id}", data=form, headers=ORIGIN)
    assert response.status_code == 403 and "Request refused" in response.text
    assert count_decisions(site) == before


def test_login_needs_the_login_pages_csrf_token(site: ReviewSite, client: TestClient) -> None:
    client.get("/login")
    form = {"token": site.tokens["alice"], "csrf": "forged-token"}
    assert client.post("/login", data=form, headers=ORIGIN).status_code == 403
    assert client.get("/").status_code == 303


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "http://127.0.0.1:9999"},
        {"Origin": "https://127.0.0.1:8765"},
        {"Origin": "null"},
        {"Referer": "http://evil.example/items"},
        {},
    ],
    ids=["other-site", "other-port", "other-scheme", "null", "foreign-referer", "none"],
)
def test_a_post_from_another_origin_is_refused(
    site: ReviewSite, client: TestClient, headers: dict[str, str]
) -> None:
    csrf = log_in(client, site.tokens["alice"])
    item_id = ordinary_items(site)[0]
    before = count_decisions(site)
    response = client.post(
        f"/items/{item_id}", data=review_form(site, item_id, csrf), headers=headers
    )
    assert response.status_code == 403
    assert count_decisions(site) == before
    login = {"token": site.tokens["alice"], "csrf": csrf}
    assert client.post("/login", data=login, headers=headers).status_code == 403


def test_a_post_with_only_a_same_origin_referer_is_accepted(
    site: ReviewSite, client: TestClient
) -> None:
    csrf = csrf_of(client.get("/login").text)
    form = {"token": site.tokens["bob"], "csrf": csrf}
    response = client.post("/login", data=form, headers={"Referer": f"{BASE}/login"})
    assert response.status_code == 303


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.2:8765"])
def test_another_host_is_refused(client: TestClient, host: str) -> None:
    response = client.get("/login", headers={"Host": host})
    assert response.status_code == 400
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_localhost_is_a_trusted_host(app: FastAPI) -> None:
    with TestClient(app, base_url=f"http://localhost:{PORT}") as client:
        assert client.get("/login").status_code == 200


def test_every_response_carries_the_security_headers(site: ReviewSite, client: TestClient) -> None:
    pages = [client.get("/login"), client.get("/"), client.get("/no-such-page")]
    log_in(client, site.tokens["alice"])
    pages += [client.get("/"), client.get(f"/items/{site.planted}")]
    static = client.get("/static/app.js")
    for response in [*pages, static]:
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "server" not in response.headers
    for response in pages:
        assert response.headers["Cache-Control"] == "no-store"
    assert static.status_code == 200
    assert static.headers["content-type"].startswith("text/javascript")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    assert client.get("/static/app.css").headers["content-type"].startswith("text/css")


def test_the_session_cookie_is_httponly_and_samesite_strict(
    site: ReviewSite, client: TestClient
) -> None:
    csrf = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"token": site.tokens["alice"], "csrf": csrf}, headers=ORIGIN
    )
    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 1
    attributes = [part.strip().lower() for part in cookies[0].split(";")]
    assert attributes[0].startswith("mhds_qa_session=")
    assert "httponly" in attributes and "samesite=strict" in attributes and "path=/" in attributes
    # the login rotated the CSRF token of the pre-login session
    assert csrf_of(client.get("/").text) != csrf


def test_a_reviewer_cannot_open_items_not_assigned_to_them(
    site: ReviewSite, client: TestClient
) -> None:
    csrf = log_in(client, site.tokens["dan"])
    theirs = ordinary_items(site)[0]
    refused = [client.get(f"/items/{theirs}"), client.get("/items/item-0000000000000000")]
    assert {r.status_code for r in refused} == {403}
    assert refused[0].text == refused[1].text  # nothing tells an item that exists apart
    before = count_decisions(site)
    response = client.post(f"/items/{theirs}", data=review_form(site, theirs, csrf), headers=ORIGIN)
    assert response.status_code == 403
    assert count_decisions(site) == before


def test_a_reviewer_cannot_open_adjudication_pages(site: ReviewSite, client: TestClient) -> None:
    csrf = log_in(client, site.tokens["alice"])
    item_id = site.planted
    assert client.get(f"/adjudicate/{item_id}").status_code == 403
    form = {"outcome": "pass", "pii_found": "no", "csrf": csrf}
    before = count_decisions(site)
    assert client.post(f"/adjudicate/{item_id}", data=form, headers=ORIGIN).status_code == 403
    assert count_decisions(site) == before
    assert "Disagreement queue" not in client.get("/").text


def test_item_text_is_escaped_and_placeholders_are_marked(
    site: ReviewSite, client: TestClient
) -> None:
    log_in(client, site.tokens["alice"])
    page = client.get(f"/items/{site.planted}")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert SCRIPT not in page.text
    assert page.text.count("<script") == 1  # the app's own, from /static/
    assert '<script src="/static/app.js" defer></script>' in page.text
    assert " style=" not in page.text and "<style" not in page.text
    assert f"<mark>{PLACEHOLDER}</mark>" in page.text
    assert '<span class="role">user</span>' in page.text
    assert '<span class="role">assistant</span>' in page.text
    item = site.run.item(site.planted)
    assert item is not None
    for fact in (item.family, item.split, item.stratum, "Foundation review"):
        assert fact in page.text
    review = site.run.rubric.reviews[item.review]
    for criterion in review.criteria:
        assert f'name="score.{criterion.key}"' in page.text
        assert criterion.label in page.text
    assert site.run.rubric.pii_question in page.text
    position = site.run.items.index(item) + 1
    assert f"Item {position} of {len(site.run.items)}" in page.text


def test_a_review_submitted_through_the_form_is_recorded_and_revisable(
    site: ReviewSite, client: TestClient
) -> None:
    csrf = log_in(client, site.tokens["bob"])
    item_id = ordinary_items(site)[1]
    form = review_form(site, item_id, csrf, notes="reads well")
    response = client.post(f"/items/{item_id}", data=form, headers=ORIGIN)
    assert response.status_code == 303
    following = response.headers["location"]
    assert following.startswith("/items/") and following != f"/items/{item_id}"
    state = run_status(site.store, QA, site.run).state(item_id)
    assert state is not None
    decision = state.reviews["bob"].decision
    assert (
        decision.source == "web" and decision.outcome == "pass" and decision.notes == "reads well"
    )
    assert set(decision.scores.values()) == {float(GOOD)}

    page = client.get(f"/items/{item_id}")
    assert "submitting makes a revision" in page.text
    for key in decision.scores:
        assert (
            f'value="{GOOD}" id="score-{key}-{GOOD}" aria-describedby="guide-{key}" checked>'
            in (page.text)
        )
    assert page.text.count(" checked>") == len(decision.scores) + 1  # + the privacy "no"
    assert "reads well</textarea>" in page.text
    revised = review_form(site, item_id, csrf, score=8)
    assert client.post(f"/items/{item_id}", data=revised, headers=ORIGIN).status_code == 303
    state = run_status(site.store, QA, site.run).state(item_id)
    assert state is not None
    assert state.reviews["bob"].decision.supersedes == decision.decision_id
    index = client.get("/")
    assert re.search(rf"{item_id}</a></td>.*?<td class=\"status\">revised</td>", index.text, re.S)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"score.empathy_warmth": ""}, "score Empathy and warmth from 0 to 10"),
        ({"score.empathy_warmth": "11"}, "score Empathy and warmth from 0 to 10"),
        ({"pii_found": ""}, "answer yes or no"),
        ({"pii_found": "yes", "pii_span": " "}, "quote the identifier you found"),
        ({"notes": "x" * 4001}, "at most 4000 characters"),
    ],
    ids=["missing-score", "off-scale", "no-privacy-answer", "no-span", "long-notes"],
)
def test_an_invalid_review_is_shown_again_with_its_error(
    site: ReviewSite, client: TestClient, change: dict[str, str], message: str
) -> None:
    csrf = log_in(client, site.tokens["alice"])
    item_id = ordinary_items(site)[2]
    form = {**review_form(site, item_id, csrf, notes="kept on the page"), **change}
    before = count_decisions(site)
    response = client.post(f"/items/{item_id}", data=form, headers=ORIGIN)
    assert response.status_code == 400
    assert 'class="error" role="alert"' in response.text and message in response.text
    if "notes" not in change:
        assert "kept on the page</textarea>" in response.text
    assert count_decisions(site) == before


def test_an_adjudicator_resolves_a_disagreement(site: ReviewSite, client: TestClient) -> None:
    item_id = site.planted
    for name, score in (("alice", LOW), ("bob", GOOD)):
        with TestClient(client.app, base_url=BASE, follow_redirects=False) as reviewer:
            csrf = log_in(reviewer, site.tokens[name])
            form = review_form(site, item_id, csrf, score=score, notes=f"{name} wrote this")
            assert reviewer.post(f"/items/{item_id}", data=form, headers=ORIGIN).status_code == 303
    csrf = log_in(client, site.tokens["carol"])
    index = client.get("/")
    assert "Disagreement queue" in index.text and f"/adjudicate/{item_id}" in index.text
    assert '<code class="reason">pass_fail</code>' in index.text
    assert '<code class="reason">score_gap:clinical_appropriateness</code>' in index.text
    page = client.get(f"/adjudicate/{item_id}")
    assert page.status_code == 200
    assert '<th scope="col">alice</th><th scope="col">bob</th>' in page.text
    assert page.text.count('<tr class="gap">') == 5  # 3 against 9 on every criterion
    assert "alice wrote this" in page.text and "bob wrote this" in page.text
    assert '<td class="outcome-fail">fail</td><td class="outcome-pass">pass</td>' in page.text
    assert "&lt;script&gt;" in page.text and SCRIPT not in page.text
    form = {"outcome": "pass", "pii_found": "no", "notes": "within guidance", "csrf": csrf}
    response = client.post(f"/adjudicate/{item_id}", data=form, headers=ORIGIN)
    assert response.status_code == 303 and response.headers["location"] == "/"
    state = run_status(site.store, QA, site.run).state(item_id)
    assert state is not None and state.adjudication is not None
    assert state.adjudication.decision.reviewer == "carol" and state.outcome == "pass"
    assert "submitting makes a revision" in client.get(f"/adjudicate/{item_id}").text
    bad = {**form, "outcome": "maybe"}
    response = client.post(f"/adjudicate/{item_id}", data=bad, headers=ORIGIN)
    assert response.status_code == 400 and "outcome must be pass or fail" in response.text
    not_queued = ordinary_items(site)[3]
    assert client.get(f"/adjudicate/{not_queued}").status_code == 403


def test_no_item_text_notes_or_token_reaches_a_log(
    site: ReviewSite, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    item_id = ordinary_items(site)[4]
    notes = "sentinel-note-4f1d the client mentioned work"
    token = site.tokens["alice"]
    with caplog.at_level(logging.DEBUG):
        csrf = log_in(client, token)
        client.get(f"/items/{item_id}")
        bad = review_form(site, item_id, csrf, notes=notes, pii_found="yes", pii_span="a span")
        bad["score.empathy_warmth"] = "99"
        assert client.post(f"/items/{item_id}", data=bad, headers=ORIGIN).status_code == 400
        form = review_form(site, item_id, csrf, notes=notes, pii_found="yes", pii_span="a span")
        assert client.post(f"/items/{item_id}", data=form, headers=ORIGIN).status_code == 303
    item = site.run.item(item_id)
    assert item is not None
    record = sample_records(site.store, QA, site.run.name)[item.record_id]
    secrets = [notes, token, csrf, "a span", item_id, *(m.content for m in record.messages)]
    # httpx and httpcore log the test client's side (its URLs); the server's side is the rest
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    logged = [f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in server]
    assert logged, "the request log logged nothing"
    for line in logged:
        for secret in secrets:
            assert secret not in line
    lines = [r.getMessage() for r in caplog.records if r.name == "mhds.qa.web.security"]
    assert "POST /items/{item_id} 303" in lines and "GET /items/{item_id} 200" in lines
    assert "POST /login 303" in lines


def test_serve_refuses_a_remote_address_without_the_flag(site: ReviewSite) -> None:
    for host in ("0.0.0.0", "192.168.1.20", "::", "example.org"):
        settings = WebSettings(site.store, site.run.name, host=host)
        with pytest.raises(ConfigError, match="--allow-remote"):
            serve(settings)
        with pytest.raises(ConfigError, match="--allow-remote"):
            server_config(settings)
    for host in ("127.0.0.1", "localhost", "::1"):
        check_bind(WebSettings(site.store, site.run.name, host=host))
    remote = WebSettings(site.store, site.run.name, host="192.168.1.20", allow_remote=True)
    check_bind(remote)
    assert remote.trusted_hosts == ("127.0.0.1", "localhost", "192.168.1.20")
    wildcard = WebSettings(site.store, site.run.name, host="0.0.0.0", allow_remote=True)
    assert wildcard.trusted_hosts == ("127.0.0.1", "localhost")
    assert "secret_key" not in repr(remote)
    with pytest.raises(ConfigError, match="port"):
        WebSettings(site.store, site.run.name, port=0)


def test_an_unknown_run_is_a_config_error(site: ReviewSite) -> None:
    with pytest.raises(ConfigError, match="no QA run 'nope'"):
        create_app(WebSettings(site.store, "nope"))


def test_an_adjudicator_who_reviewed_an_item_cannot_open_its_adjudication(
    site: ReviewSite,
) -> None:
    from mhds.qa.review import submit_review
    from mhds.qa.reviewers import get_reviewer
    from mhds.qa.run import create_run

    run = create_run(
        site.store, site.registry, site.build_id, run="carol-reviews", reviewers=["alice", "carol"]
    )
    item = run.items[0]
    review = run.rubric.reviews[item.review]
    for name, score in (("alice", GOOD), ("carol", LOW)):
        person = get_reviewer(site.store, QA, name)
        scores = dict.fromkeys(review.keys, float(score))
        submit_review(site.store, QA, run, person, item.item_id, scores)
    assert run_status(site.store, QA, run).queue()
    app = create_app(WebSettings(site.store, run.name, qa_prefix=QA, port=PORT))
    with TestClient(app, base_url=BASE, follow_redirects=False) as carol:
        log_in(carol, site.tokens["carol"])
        assert carol.get(f"/adjudicate/{item.item_id}").status_code == 403
