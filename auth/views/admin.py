"""Administration of people and organisations, for platform admins and (within their city) city admins."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from auth import bp
from auth.forms.admin import (ActionForm, MembershipForm, OrganisationEditForm, OrganisationForm, OrganisationSearchForm,
                              SearchForm)
from auth.models import Membership, Organisation
from auth.permissions import (
    can_administer_users,
    can_change_roles,
    can_grant_roles_in,
    can_manage_organisations,
    can_manage_user,
    ensure,
    permission_required,
)
from auth.roles import Role
from auth.services import admin as services
from core.extensions import db
from core.limits import bounded_int
from core.pagination import after_arg
from core.refusals import Refused, put_on_form


def _visible_user_or_404(user_id: int):
    """The user if the current admin may see them; 404 otherwise, so existence is not revealed."""
    user = services.find_visible_user(current_user, user_id)
    if user is None:
        abort(404)
    return user


def _membership_form() -> MembershipForm:
    """The add-role form, offering the organisations where the admin may give roles."""
    form = MembershipForm()
    organisations = services.grantable_organisations(current_user)
    form.organisation_id.choices = [(o.id, f"{o.display_name} ({o.kind_label})") for o in organisations]
    return form


@bp.get("/admin/users")
@permission_required(can_administer_users)
def admin_users():
    """People the admin may manage, searchable by name and email."""
    form = SearchForm(formdata=request.args)
    q = form.q.data if form.validate() else None
    page = services.list_users(current_user, q, after_arg())
    return render_template("auth/admin_users.html", form=form, page=page, q=q,
                           scope=services.organisation_scope(current_user), in_scope=services.in_scope)


@bp.get("/admin/users/<int:user_id>")
@permission_required(can_administer_users)
def admin_user(user_id: int):
    """A person's roles, status and recent history."""
    user = _visible_user_or_404(user_id)
    return _render_user(user)


def _render_user(user, membership_form: MembershipForm | None = None, status: int = 200):
    """The user detail page."""
    scope = services.organisation_scope(current_user)
    entries = services.recent_entries(user, scope, request.args.get("before", type=bounded_int))
    return render_template("auth/admin_user.html", user=user, entries=entries,
                           memberships=[m for m in user.memberships
                                        if services.in_scope(scope, m.organisation_id)],
                           organisations=services.organisations_named_in(entries.entries),
                           role_labels=dict(Role.choices()),
                           membership_form=membership_form or _membership_form(), action_form=ActionForm(),
                           can_manage=can_manage_user(current_user, user),
                           can_change_roles=can_change_roles(current_user, user),
                           can_grant=lambda org: can_grant_roles_in(current_user, org)), status


@bp.post("/admin/users/<int:user_id>/deactivate")
@permission_required(can_administer_users)
def admin_deactivate_user(user_id: int):
    """Stop a person from logging in; their sessions end."""
    user = _visible_user_or_404(user_id)
    ensure(can_manage_user(current_user, user))
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.deactivate_user(user, current_user)
    except Refused as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("%(name)s can no longer log in.", name=user.name), "success")
    return redirect(url_for("auth.admin_user", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/reactivate")
@permission_required(can_administer_users)
def admin_reactivate_user(user_id: int):
    """Let a deactivated person log in again."""
    user = _visible_user_or_404(user_id)
    ensure(can_manage_user(current_user, user))
    if not ActionForm().validate_on_submit():
        abort(400)
    services.reactivate_user(user, current_user)
    db.session.commit()
    flash(_("%(name)s can log in again.", name=user.name), "success")
    return redirect(url_for("auth.admin_user", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/memberships")
@permission_required(can_administer_users)
def admin_add_membership(user_id: int):
    """Give a person a role in an organisation."""
    user = _visible_user_or_404(user_id)
    ensure(can_manage_user(current_user, user))
    form = _membership_form()
    if form.validate_on_submit():
        organisation = db.get_or_404(Organisation, form.organisation_id.data)
        ensure(can_grant_roles_in(current_user, organisation))
        try:
            services.grant_role(user, organisation, form.role.data, current_user)
        except Refused as exc:
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The role was added."), "success")
            return redirect(url_for("auth.admin_user", user_id=user.id))
    return _render_user(user, membership_form=form, status=400)


@bp.post("/admin/users/<int:user_id>/memberships/<int:membership_id>/remove")
@permission_required(can_administer_users)
def admin_remove_membership(user_id: int, membership_id: int):
    """Take a role away from a person."""
    user = _visible_user_or_404(user_id)
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.user_id != user.id:
        abort(404)
    ensure(can_manage_user(current_user, user) and can_grant_roles_in(current_user, membership.organisation))
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.remove_membership(membership, current_user)
    except Refused as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("The role was removed."), "success")
    return redirect(url_for("auth.admin_user", user_id=user.id))


@bp.get("/admin/organisations")
@permission_required(can_administer_users)
def admin_organisations():
    """Organisations the admin may see: all of them for a platform admin."""
    form = OrganisationSearchForm(formdata=request.args)
    q = form.q.data if form.validate() else None
    page = services.list_organisations(current_user, q, after_arg())
    return render_template("auth/admin_organisations.html", form=form, page=page, q=q,
                           can_manage=can_manage_organisations(current_user))


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@permission_required(can_manage_organisations)
def admin_new_organisation():
    """Add an organisation: a city, company, research organisation or municipal company."""
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(form.kind.data, form.data, current_user)
        except Refused as exc:
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("%(name)s was added.", name=organisation.name), "success")
            return redirect(url_for("auth.admin_organisations"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/admin_organisation_form.html", form=form, organisation=None), status


@bp.route("/admin/organisations/<int:org_id>/edit", methods=["GET", "POST"])
@permission_required(can_manage_organisations)
def admin_edit_organisation(org_id: int):
    """Change an organisation's names, identifiers and status."""
    organisation = db.get_or_404(Organisation, org_id)
    form = OrganisationEditForm(obj=organisation)
    if form.validate_on_submit():
        try:
            services.update_organisation(organisation, form.data, current_user)
        except Refused as exc:
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("%(name)s was saved.", name=organisation.name), "success")
            return redirect(url_for("auth.admin_organisations"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/admin_organisation_form.html", form=form, organisation=organisation), status
