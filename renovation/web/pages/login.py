"""Signing staff, auditors and admins in and out (Flask-Login sessions, CSRF on both forms)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from renovation.accounts import User, authenticate
from renovation.web import runtime
from renovation.web.auth import SessionUser, limiter, page_user
from renovation.web.pages.blueprint import bp, safe_next
from renovation.web.pages.forms import LoginForm


def home_for(user: User) -> str:
    """Where a user lands after signing in: their console."""
    if user.role in ("staff", "admin"):
        return url_for("pages.staff_console")
    if user.role == "supervisor":
        return url_for("pages.supervise")
    return url_for("pages.audit_list")


@bp.route("/login", methods=["GET", "POST"])
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
        user = authenticate(runtime().engine, form.username.data.strip(), form.password.data)
        if user is not None:
            login_user(SessionUser(user))
            flash(_("Signed in as %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(form.next.data) or home_for(user))
        flash(_("The username or password is not right."), "error")
    elif request.method == "POST":
        flash(_("Please enter your username and password."), "error")
    return render_template("pages/auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Sign out (a POST with the CSRF token, so no other site can sign anyone out)."""
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("pages.index"))
