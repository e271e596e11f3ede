"""Flask-WTF forms: they carry the CSRF token; the rules themselves live in the API schemas."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    """Any signed-in account changes its own password; checked by renovation.accounts."""

    current = PasswordField(_l("Current password"))
    new = PasswordField(_l("New password (8 characters or more)"))
    confirm = PasswordField(_l("New password again"))


class LogoutForm(FlaskForm):
    """Only the CSRF token: signing out is a POST."""


class MoveForm(FlaskForm):
    """One button of the staff console: move a project to one next stage."""

    to_stage = HiddenField(validators=[DataRequired()])
    version = HiddenField(validators=[DataRequired()])
    command_id = HiddenField()
    back = HiddenField()


class ProjectForm(FlaskForm):
    """Registering a community; the fields are checked by ProjectCreateSchema, not here."""

    name = StringField(_l("Community name"))
    district = StringField(_l("District"))
    city = StringField(_l("City"))
    street = StringField(_l("Street (subdistrict)"))
    address = StringField(_l("Address"))
    year_built = StringField(_l("Year built"))
    planned_start = StringField(_l("Planned start"))
    planned_finish = StringField(_l("Planned finish"))
    flats = TextAreaField(_l("Flats register"))
    content_items = TextAreaField(_l("Renovation content"))
    budget = TextAreaField(_l("Budget"))
    command_id = HiddenField()


# ---- construction milestones (节点): the staff page's forms ----------------------------------
# Values are read as text and turned into dates and quantities by the view, so that a wrong
# one is named, in the clerk's language, next to its field; the domain checks the rest.


class MilestonePlanForm(FlaskForm):
    item_id = StringField(_l("Content item"))
    name = StringField(_l("Milestone name"))
    quantity = StringField(_l("Quantity to build"))
    planned_start = StringField(_l("Planned start"))
    planned_finish = StringField(_l("Planned finish"))
    command_id = HiddenField()


class MilestoneProgressForm(FlaskForm):
    done_quantity = StringField(_l("Quantity built so far"))
    on_date = StringField(_l("As of (date)"))
    note = TextAreaField(_l("Note"))
    command_id = HiddenField()


class MilestoneDelayForm(FlaskForm):
    planned_finish = StringField(_l("New planned finish"))
    reason = TextAreaField(_l("Reason for the delay (published)"))
    command_id = HiddenField()


class MilestoneCompleteForm(FlaskForm):
    on_date = StringField(_l("Finished on"))
    command_id = HiddenField()


class SupervisorNoteForm(FlaskForm):
    supervisor = StringField(_l("Resident supervisor (role, not a name)"))
    note = TextAreaField(_l("What the supervisor found"))
    on_date = StringField(_l("Inspected on"))
    command_id = HiddenField()
