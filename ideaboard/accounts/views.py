"""Log in and out, the staff panel, one's own password, and account management (admin)."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter
from ..municipalities.services import all_municipalities
from ..pilots.services import pilots_of_municipality
from ..policies import ACCOUNT_MANAGERS
from . import redirect_after_login, role_required
from .forms import ChangePasswordForm, EditUserForm, LoginForm, SetPasswordForm, UserForm
from .models import User
from .services import (
    AccountError, authenticate, change_password, create_user, list_users, normalise_email,
    set_active, set_password, sign_out, update_user,
)

bp = Blueprint("accounts", __name__)


def _login_email_key() -> str:
    return "login:" + normalise_email(request.form.get("email", ""))


def _get_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/entrar", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_login_email_key, methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_IP_RATE_LIMIT"], methods=["POST"])
def login():
    """Staff log in with email and password. Failure never says whether the account exists."""
    if current_user.is_authenticated:
        return redirect_after_login()
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            flash(_("Bienvenida/o, %(name)s.", name=user.name), "success")
            return redirect_after_login()
        form.form_errors.append(_("Correo o contraseña incorrectos."))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


@bp.route("/salir", methods=["POST"])
def logout():
    """End the session (POST only, with CSRF, so no link can log anyone out), on the server too:
    a copy of its cookies no longer works, and the account's other sessions end with it."""
    if current_user.is_authenticated:
        sign_out(current_user._get_current_object())
    logout_user()
    flash(_("Sesión cerrada."), "info")
    return redirect(url_for("home.index"))


@bp.route("/panel")
@role_required()
def dashboard():
    """The staff home: what this person's role lets them do."""
    pilots = pilots_of_municipality(current_user.municipality_id) if current_user.municipality_id else []
    return render_template("accounts/dashboard.html", pilots=pilots)


@bp.route("/cuenta/contrasena", methods=["GET", "POST"])
@role_required()
def change_own_password():
    """Anyone logged in changes their own password; their other sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, current_password=form.current_password.data,
                            new_password=form.new_password.data)
            login_user(current_user._get_current_object())  # keep this session, with the new token
            flash(_("Contraseña cambiada."), "success")
            return redirect(url_for("accounts.dashboard"))
        except AccountError as error:
            form.form_errors.append(str(error))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form), status


@bp.route("/usuarios")
@role_required(*ACCOUNT_MANAGERS)
def users():
    """All staff accounts, active first."""
    return render_template("accounts/users.html", users=list_users())


def _user_form_page(form, user=None, status=200):
    return render_template(
        "accounts/user_form.html", form=form, user=user, municipalities=all_municipalities()
    ), status


@bp.route("/usuarios/nuevo", methods=["GET", "POST"])
@role_required(*ACCOUNT_MANAGERS)
def create_user_view():
    """An admin creates a staff account (an official belongs to one municipality)."""
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = create_user(
                email=form.email.data, name=form.name.data, role=form.role.data,
                password=form.password.data, municipality=form.municipality.municipality, actor=current_user,
            )
            flash(_("Cuenta creada para %(email)s.", email=user.email), "success")
            return redirect(url_for("accounts.users"))
        except AccountError as error:
            form.form_errors.append(str(error))
    return _user_form_page(form, status=422 if request.method == "POST" else 200)


@bp.route("/usuarios/<int:user_id>", methods=["GET", "POST"])
@role_required(*ACCOUNT_MANAGERS)
def edit_user(user_id: int):
    """An admin changes an account's name, role and municipality, or its password."""
    user = _get_user_or_404(user_id)
    form = EditUserForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.municipality.data = user.municipality.label if user.municipality else ""
    if form.validate_on_submit():
        try:
            update_user(user, name=form.name.data, role=form.role.data,
                        municipality=form.municipality.municipality, actor=current_user)
            flash(_("Cuenta actualizada."), "success")
            return redirect(url_for("accounts.users"))
        except AccountError as error:
            form.form_errors.append(str(error))
    page, status = _user_form_page(form, user, status=422 if request.method == "POST" else 200)
    return page, status


@bp.route("/usuarios/<int:user_id>/contrasena", methods=["POST"])
@role_required(*ACCOUNT_MANAGERS)
def reset_password(user_id: int):
    """An admin sets a new password for someone who lost theirs."""
    user = _get_user_or_404(user_id)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            set_password(user, new_password=form.new_password.data, actor=current_user)
            flash(_("Contraseña cambiada para %(email)s.", email=user.email), "success")
            return redirect(url_for("accounts.users"))
        except AccountError as error:
            flash(str(error), "error")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return redirect(url_for("accounts.edit_user", user_id=user.id))


@bp.route("/usuarios/<int:user_id>/estado", methods=["POST"])
@role_required(*ACCOUNT_MANAGERS)
def toggle_active(user_id: int):
    """Deactivate or reactivate an account (the form asks for confirmation first)."""
    user = _get_user_or_404(user_id)
    activate = request.form.get("active") == "1"
    try:
        set_active(user, activate, actor=current_user)
        flash(_("Cuenta reactivada.") if activate else _("Cuenta desactivada."), "success")
    except AccountError as error:
        flash(str(error), "error")
    return redirect(url_for("accounts.users"))
