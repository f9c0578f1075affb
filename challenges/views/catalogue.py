"""Public pages: the catalogue, its Atom feed, a challenge's page, following and subscriptions."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from auth.models import Organisation
from auth.permissions import is_platform_admin
from challenges import bp
from challenges.forms.catalogue import ActionForm, CatalogueFilterForm, SubscriptionsForm
from challenges.models import (Attachment, Challenge, ChallengeCity, Criterion, DialogueEvent, EventRegistration,
                               MeetingSlot, PilotSite, Question, Theme)
from challenges.models.challenge import challenge_themes
from challenges.permissions import can_view, is_city_staff
from challenges.services import catalogue as catalogue_services
from challenges.services import following as following_services
from challenges.services.catalogue import CatalogueQuery
from challenges.services.dialogue import public_dialogue
from challenges.services.public_page import phases, public_history, takes_part
from challenges.services.sites import host_contacts
from core.cache import public_page, shows_on_public_pages
from core.extensions import db
from core.limits import bounded_int
from core.links import absolute_url
from core.pagination import after_arg
from core.views import safe_next

# What the cached pages below (and the front page) show: a change to any of these rows moves the data
# version in its own transaction, so no visitor is shown a page older than the last commit. A city's
# name shows on every card (and a partner city joins a challenge); an event's registrations and a slot's
# booking show as free places.
shows_on_public_pages(Challenge, ChallengeCity, challenge_themes, Theme, Organisation, PilotSite, Criterion,
                      Attachment, DialogueEvent, EventRegistration, MeetingSlot, Question)


def _me():
    """The logged-in user as a model (services and the audit log need it, not the proxy)."""
    return current_user._get_current_object()


def _viewable_or_404(challenge_id: int) -> tuple[Challenge, bool]:
    """The challenge if the current user may see it, and whether they follow it; else 404."""
    challenge, following = catalogue_services.find_challenge(challenge_id, current_user)
    if challenge is None or not can_view(current_user, challenge):
        abort(404)
    return challenge, following


def _public_or_404(challenge_id: int) -> Challenge:
    """A published challenge (the only kind one can follow); 404 otherwise."""
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or not challenge.is_public:
        abort(404)
    return challenge


def _rfc3339(value: datetime) -> str:
    """A timestamp as Atom wants it: UTC, seconds, with Z."""
    return value.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- the catalogue -------------------------------------------------------------------------

def _filter_form() -> CatalogueFilterForm:
    """The filter form read from the query string, offering the cities and themes there are."""
    form = CatalogueFilterForm(formdata=request.args)
    cities = catalogue_services.catalogue_cities()
    themes = catalogue_services.catalogue_themes()
    form.city.choices = [("", _("All cities"))] + [(c.slug, c.display_name) for c in cities]
    form.theme.choices = [("", _("All themes"))] + [(t.slug, t.name) for t in themes]
    form.city_ids = {c.slug: c.id for c in cities}
    form.theme_ids = {t.slug: t.id for t in themes}
    return form


def _query(form: CatalogueFilterForm) -> CatalogueQuery:
    """The filters of the fields that are valid; a wrong value is shown as an error and ignored."""

    def ok(f):
        return f.data if f.data and not f.errors else None

    return CatalogueQuery(q=ok(form.q), city_id=form.city_ids.get(ok(form.city)),
                          theme_id=form.theme_ids.get(ok(form.theme)), status=ok(form.status),
                          deadline=ok(form.deadline))


@bp.get("/challenges")
@public_page("q", "city", "theme", "status", "deadline", after=bounded_int)
def catalogue():
    """Published challenges of every city, filtered, searched and paginated."""
    form = _filter_form()
    valid = form.validate()
    page = catalogue_services.catalogue_page(_query(form), after_arg())
    page_args = {k: v for k, v in request.args.items() if k != "after" and v}
    return render_template("challenges/catalogue.html", form=form, page=page, page_args=page_args,
                           filtered=bool(page_args)), 200 if valid else 400


@bp.get("/challenges/feed.atom")
@public_page()
def feed():
    """An Atom feed of the calls most recently opened for proposals."""
    entries = catalogue_services.newly_opened()
    updated = entries[0].opened_at if entries else datetime(2026, 1, 1, tzinfo=timezone.utc)
    body = render_template("challenges/feed.xml", entries=entries, updated=updated, rfc3339=_rfc3339,
                           absolute_url=absolute_url)
    return current_app.response_class(body, mimetype="application/atom+xml")


# --- a challenge's page --------------------------------------------------------------------

@bp.get("/challenges/<int:challenge_id>")
@public_page()
def detail(challenge_id: int):
    """Everything public about a challenge; its city's staff also see it before publication."""
    challenge, following = _viewable_or_404(challenge_id)
    is_staff = is_city_staff(current_user, challenge)
    can_follow = challenge.is_public and following_services.can_follow(current_user)
    return render_template(
        # Only a follow button needs a form: a visitor's page has no token, so it can be cached.
        "challenges/detail.html", challenge=challenge, action_form=ActionForm() if can_follow else None,
        following=following, can_follow=can_follow, is_staff=is_staff,
        # Who hosts a site is for the city's staff only.
        hosts=host_contacts(challenge) if is_staff or is_platform_admin(current_user) else {},
        dialogue=public_dialogue(challenge, current_user),
        phases=phases(challenge), history=public_history(challenge), takes_part=takes_part(challenge))


def _login_to_follow(challenge_id: int):
    """Visitors log in first and come back to the challenge's page (a POST cannot be resumed)."""
    return redirect(url_for("auth.login", next=url_for("challenges.detail", challenge_id=challenge_id)))


def _follow_action(challenge_id: int, follow: bool):
    """Follow or unfollow: the same checks, one service call, commit, tell, back to the page."""
    if not current_user.is_authenticated:
        return _login_to_follow(challenge_id)
    challenge = _public_or_404(challenge_id)
    if not following_services.can_follow(current_user):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    if follow:
        following_services.follow_challenge(challenge, _me())
        message = _("You follow this challenge: you will get an email when answers are published "
                    "or it changes.")
    else:
        following_services.unfollow_challenge(challenge, _me())
        message = _("You no longer follow this challenge.")
    db.session.commit()
    flash(message, "success")
    default = url_for("challenges.detail", challenge_id=challenge.id)
    return redirect(safe_next(request.form.get("next"), default))


@bp.post("/challenges/<int:challenge_id>/follow")
def follow(challenge_id: int):
    """Follow a published challenge; twice is the same as once."""
    return _follow_action(challenge_id, True)


@bp.post("/challenges/<int:challenge_id>/unfollow")
def unfollow(challenge_id: int):
    """Stop following a challenge; twice is the same as once."""
    return _follow_action(challenge_id, False)


# --- the user's own lists ------------------------------------------------------------------

@bp.get("/following")
@login_required
def following():
    """The challenges you follow."""
    page = following_services.followed_challenges(_me(), after_arg())
    return render_template("challenges/following.html", page=page,
                           total=following_services.count_followed(_me()), action_form=ActionForm())


@bp.route("/subscriptions", methods=["GET", "POST"])
@login_required
def subscriptions():
    """Choose the cities and themes whose newly opened calls are emailed to you."""
    form = SubscriptionsForm()
    form.cities.choices = [(c.id, c.display_name) for c in catalogue_services.catalogue_cities()]
    form.themes.choices = [(t.id, t.name) for t in catalogue_services.catalogue_themes()]
    if form.validate_on_submit():
        following_services.save_subscriptions(_me(), form.cities.data or [], form.themes.data or [])
        db.session.commit()
        flash(_("Your subscriptions were saved."), "success")
        return redirect(url_for("challenges.subscriptions"))
    if not form.is_submitted():
        cities, themes = following_services.subscription_choices(_me())
        form.cities.data, form.themes.data = sorted(cities), sorted(themes)
    status = 400 if form.is_submitted() else 200
    return render_template("challenges/following_subscriptions.html", form=form), status
