"""Signing staff, auditors and admins in and out (Flask-Login sessions, CSRF on both forms)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from renovation.accounts import AccountError, User, authenticate, change_password
from renovation.web import runtime
from renovation.web.access import ACCOUNT, PUBLIC, access
from renovation.web.auth import (
    accounts_now,
    end_session,
    limiter,
    page_user,
    renew_session,
    start_session,
)
from renovation.web.i18n import refusal_problems, words
from renovation.web.pages.blueprint import bp, safe_next
from renovation.web.pages.forms import LoginForm, PasswordChangeForm


def home_for(user: User) -> str:
    """Where a user lands after signing in: their console."""
    if user.role in ("staff", "admin"):
        return url_for("pages.staff_console")
    if user.role == "supervisor":
        return url_for("pages.supervise")
    return url_for("pages.audit_list")


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit("10/minute", methods=["POST"])
def login():
    """The sign-in form; a failure says only that the name or password is wrong."""
    form = LoginForm()
    user = page_user()
    if request.method == "GET":
        if user:
            return redirect(home_for(user))
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        user = authenticate(
            runtime().engine,
            form.username.data.strip(),
            form.password.data,
            now=accounts_now(),
        )
        if user is not None:
            start_session(user)
            flash(_("Signed in as %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(form.next.data) or home_for(user))
        flash(_("The username or password is not right."), "error")
    elif request.method == "POST":
        flash(_("Please enter your username and password."), "error")
    return render_template("pages/auth/login.html", form=form)


@bp.post("/logout")
@access(PUBLIC)
def logout():
    """Sign out (a POST with the CSRF token, so no other site can sign anyone out)."""
    end_session(page_user())
    flash(_("You are signed out."), "success")
    return redirect(url_for("pages.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@access(ACCOUNT)
@login_required
@limiter.limit("10/minute", methods=["POST"])
def change_own_password():
    """Any signed-in account changes its password: the current one, the new one twice; each
    problem is named next to its field."""
    form = PasswordChangeForm()
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        current, new, confirm = (
            form.current.data or "",
            form.new.data or "",
            form.confirm.data or "",
        )
        for name, value in (("current", current), ("new", new), ("confirm", confirm)):
            if not value:
                errors[name] = [words().refusal("required", {})]
        if not errors and new != confirm:
            errors["confirm"] = [words().refusal("passwords_differ", {})]
        if not errors:
            try:
                change_password(runtime().engine, page_user().id, current, new, now=accounts_now())
            except AccountError as error:
                errors = refusal_problems(error)
            else:
                renew_session(page_user())
                flash(_("Your password is changed."), "success")
                return redirect(home_for(page_user()))
    status = 422 if errors else 200
    return render_template("pages/auth/password.html", form=form, errors=errors), status
