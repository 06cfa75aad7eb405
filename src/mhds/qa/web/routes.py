"""The review app's routes: each reads the session, asks the QA library, and renders a page
or redirects. Who may see what is decided here (an item's reviewers, adjudicators); what a
review is worth is decided by the library."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment

from mhds.errors import ConfigError
from mhds.qa.decisions import MAX_NOTE_CHARS, DecisionError
from mhds.qa.review import (
    MAX_SPAN_CHARS,
    ItemState,
    RunStatus,
    run_status,
    submit_adjudication,
    submit_review,
)
from mhds.qa.reviewers import Reviewer, authenticate, load_reviewers
from mhds.qa.run import QARun
from mhds.qa.web import views
from mhds.qa.web.security import check_csrf, check_origin, csrf_token
from mhds.records.schema import Record
from mhds.store.base import Store

SESSION_REVIEWER = "reviewer"
MAX_FORM_FIELDS = 200

router = APIRouter()


@dataclass(frozen=True)
class Site:
    """What every route needs: the store, the run (read once: it is write-once), its
    records, the origins a POST may come from, and the templates."""

    store: Store
    qa_prefix: str
    run: QARun
    records: Mapping[str, Record]
    origins: frozenset[str]
    templates: Environment


class LoginRequired(Exception):
    """No valid session: a GET goes to the login page, anything else gets a 401."""


class NotAllowed(Exception):
    """The page is not for this reviewer (or does not exist: the answer is the same)."""


def get_site(request: Request) -> Site:
    """The app's ``Site``."""
    site: Site = request.app.state.site
    return site


SiteDep = Annotated[Site, Depends(get_site)]


async def checked_form(request: Request, site: SiteDep) -> dict[str, str]:
    """The POSTed form's text fields, once its Origin and CSRF token check out.

    Raises:
        CheckFailed: either does not (a 403; the form is not used).
    """
    check_origin(request, site.origins)
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    check_csrf(request, form)
    return {key: value for key, value in form.items() if isinstance(value, str)}


def current_viewer(request: Request, site: SiteDep) -> Reviewer:
    """The logged-in reviewer, read again from the store (a removed one is logged out).

    Raises:
        LoginRequired: no session, or its reviewer is gone.
    """
    name = request.session.get(SESSION_REVIEWER)
    reviewer = load_reviewers(site.store, site.qa_prefix).get(name) if name else None
    if reviewer is None:
        request.session.pop(SESSION_REVIEWER, None)
        raise LoginRequired
    return reviewer


FormDep = Annotated[dict[str, str], Depends(checked_form)]
ViewerDep = Annotated[Reviewer, Depends(current_viewer)]


def render(
    request: Request,
    site: Site,
    template: str,
    *,
    viewer: Reviewer | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page: ``template`` with the run's header, the viewer and a CSRF token."""
    html = site.templates.get_template(template).render(
        run_name=site.run.name,
        digest=views.short_digest(site.run.content_digest),
        viewer=viewer,
        csrf=csrf_token(request),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def see_other(url: str) -> RedirectResponse:
    """A 303 to ``url`` (after a POST, the browser GETs it)."""
    return RedirectResponse(url, status_code=303)


@router.get("/login")
def login_page(request: Request, site: SiteDep) -> HTMLResponse:
    """The login form (it also starts the pre-login session that holds its CSRF token)."""
    return render(request, site, "login.html", failed=False)


@router.post("/login", response_model=None)
def login(request: Request, site: SiteDep, form: FormDep) -> Response:
    """Log in with a token; a new session (and CSRF token) on success."""
    reviewer = authenticate(load_reviewers(site.store, site.qa_prefix), form.get("token", ""))
    if reviewer is None:
        return render(request, site, "login.html", status_code=401, failed=True)
    request.session.clear()
    request.session[SESSION_REVIEWER] = reviewer.name
    csrf_token(request)
    return see_other("/")


@router.post("/logout")
def logout(request: Request, form: FormDep) -> RedirectResponse:
    """End the session."""
    request.session.clear()
    return see_other("/login")


@router.get("/")
def index(request: Request, site: SiteDep, viewer: ViewerDep) -> HTMLResponse:
    """The viewer's items and progress; for an adjudicator, the disagreement queue."""
    status = run_status(site.store, site.qa_prefix, site.run)
    rows = views.reviewer_rows(status, viewer.name)
    queue = views.queue_rows(status, viewer.name) if viewer.role == "adjudicator" else ()
    return render(
        request,
        site,
        "index.html",
        viewer=viewer,
        adjudicating=viewer.role == "adjudicator",
        rows=rows,
        done=sum(row.status != "to do" for row in rows),
        next_item=views.next_to_do(status, viewer.name),
        queue=queue,
        waiting=sum(not row.adjudicated for row in queue),
        progress=status.progress(),
    )


@router.get("/items/{item_id}")
def item_page(request: Request, site: SiteDep, viewer: ViewerDep, item_id: str) -> HTMLResponse:
    """One assigned item: the conversation, the rubric and the review form."""
    status = run_status(site.store, site.qa_prefix, site.run)
    state = _assigned(status, viewer, item_id)
    mine = state.reviews.get(viewer.name)
    review = site.run.rubric.reviews[state.item.review]
    form = views.review_form(review, mine.decision if mine else None)
    return _item(request, site, viewer, status, state, form)


@router.post("/items/{item_id}", response_model=None)
def submit_item(
    request: Request, site: SiteDep, form: FormDep, viewer: ViewerDep, item_id: str
) -> Response:
    """Record the viewer's review, then go to their next item to do."""
    status = run_status(site.store, site.qa_prefix, site.run)
    state = _assigned(status, viewer, item_id)
    review = site.run.rubric.reviews[state.item.review]
    try:
        submit_review(
            site.store,
            site.qa_prefix,
            site.run,
            viewer,
            item_id,
            views.parse_scores(review, form),
            pii_found=views.parse_yes_no(form.get("pii_found", ""), site.run.rubric.pii_question),
            pii_span=form.get("pii_span", ""),
            notes=form.get("notes", ""),
            source="web",
        )
    except (views.FormError, DecisionError, ConfigError) as exc:
        shown = views.submitted_review_form(review, form)
        return _item(request, site, viewer, status, state, shown, error=str(exc), status_code=400)
    after = run_status(site.store, site.qa_prefix, site.run)
    following = views.next_to_do(after, viewer.name, after=item_id)
    return see_other(f"/items/{following}" if following else "/")


@router.get("/adjudicate/{item_id}")
def adjudication_page(
    request: Request, site: SiteDep, viewer: ViewerDep, item_id: str
) -> HTMLResponse:
    """An item with a disagreement: its reviews side by side and the adjudication form."""
    state = _adjudicable(run_status(site.store, site.qa_prefix, site.run), viewer, item_id)
    current = state.adjudication.decision if state.adjudication else None
    return _adjudication(request, site, viewer, state, views.adjudication_form(current))


@router.post("/adjudicate/{item_id}", response_model=None)
def adjudicate(
    request: Request, site: SiteDep, form: FormDep, viewer: ViewerDep, item_id: str
) -> Response:
    """Record the adjudicator's decision, then go to the next item in the queue."""
    state = _adjudicable(run_status(site.store, site.qa_prefix, site.run), viewer, item_id)
    try:
        submit_adjudication(
            site.store,
            site.qa_prefix,
            site.run,
            viewer,
            item_id,
            form.get("outcome", ""),
            pii_found=views.parse_yes_no(form.get("pii_found", ""), "identifier confirmed"),
            pii_span=form.get("pii_span", ""),
            notes=form.get("notes", ""),
            source="web",
        )
    except (views.FormError, DecisionError, ConfigError) as exc:
        shown = views.submitted_adjudication_form(form)
        return _adjudication(request, site, viewer, state, shown, str(exc), 400)
    queue = views.queue_rows(run_status(site.store, site.qa_prefix, site.run), viewer.name)
    following = next((r.item_id for r in queue if not r.adjudicated and not r.own), None)
    return see_other(f"/adjudicate/{following}" if following else "/")


def _assigned(status: RunStatus, viewer: Reviewer, item_id: str) -> ItemState:
    state = status.state(item_id)
    if state is None or viewer.name not in state.item.reviewers:
        raise NotAllowed
    return state


def _adjudicable(status: RunStatus, viewer: Reviewer, item_id: str) -> ItemState:
    if viewer.role != "adjudicator":
        raise NotAllowed
    state = status.state(item_id)
    # An adjudicator who reviewed the item may not see the other review before deciding.
    if state is None or not state.needs_adjudication or viewer.name in state.item.reviewers:
        raise NotAllowed
    return state


def _item(
    request: Request,
    site: Site,
    viewer: Reviewer,
    status: RunStatus,
    state: ItemState,
    form: views.DecisionForm,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    item = state.item
    order = [s.item.item_id for s in status.assigned(viewer.name)]
    mine = state.reviews.get(viewer.name)
    return render(
        request,
        site,
        "item.html",
        viewer=viewer,
        status_code=status_code,
        item=item,
        review=site.run.rubric.reviews[item.review],
        messages=views.conversation(site.records[item.record_id]),
        form=form,
        scale=views.SCALE,
        mine=mine.decision if mine else None,
        position=views.position(order, item.item_id),
        pii_question=site.run.rubric.pii_question,
        max_notes=MAX_NOTE_CHARS,
        max_span=MAX_SPAN_CHARS,
        error=error,
    )


def _adjudication(
    request: Request,
    site: Site,
    viewer: Reviewer,
    state: ItemState,
    form: views.DecisionForm,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    item = state.item
    review = site.run.rubric.reviews[item.review]
    return render(
        request,
        site,
        "adjudicate.html",
        viewer=viewer,
        status_code=status_code,
        item=item,
        review=review,
        messages=views.conversation(site.records[item.record_id]),
        comparison=views.compare_reviews(state, review),
        current=state.adjudication.decision if state.adjudication else None,
        own=viewer.name in item.reviewers,
        form=form,
        pii_question=site.run.rubric.pii_question,
        score_gap=views.format_score(site.run.config.score_gap),
        max_notes=MAX_NOTE_CHARS,
        max_span=MAX_SPAN_CHARS,
        error=error,
    )
