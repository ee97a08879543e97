"""Every route, walked as every kind of visitor, against an explicit table of who may do what.

A new route fails `test_every_route_is_classified` until it is added to ACCESS below, so no
page can appear without someone deciding who may see it.
"""
import pytest

from ideaboard.accounts.models import Role
from tests.conftest import Auth

ANON = "anonymous"
ALL_STAFF = {Role.ADMIN, Role.COORDINATOR, Role.MODERATOR, Role.OFFICIAL}
PUBLIC = {ANON} | ALL_STAFF
PLANNERS = {Role.ADMIN, Role.COORDINATOR}

ACCESS = {
    "static": PUBLIC,
    "home.index": PUBLIC,
    "home.set_language": PUBLIC,
    "home.healthz": PUBLIC,
    "accounts.login": PUBLIC,
    "accounts.logout": PUBLIC,
    "accounts.dashboard": ALL_STAFF,
    "accounts.change_own_password": ALL_STAFF,
    "accounts.users": {Role.ADMIN},
    "accounts.create_user_view": {Role.ADMIN},
    "accounts.edit_user": {Role.ADMIN},
    "accounts.reset_password": {Role.ADMIN},
    "accounts.toggle_active": {Role.ADMIN},
    "municipalities.index": PUBLIC,
    "municipalities.detail": PUBLIC,
    "ideathons.index": {Role.ADMIN, Role.COORDINATOR, Role.MODERATOR},
    "ideathons.create": PLANNERS,
    "ideathons.detail": PUBLIC,
    "ideathons.edit": PLANNERS,
    "ideathons.cancel": PLANNERS,
    "ideathons.moderators": PLANNERS,
}


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(ACCESS), (
        f"unclassified: {sorted(endpoints - set(ACCESS))}; gone: {sorted(set(ACCESS) - endpoints)}"
    )


@pytest.mark.parametrize("visitor", [ANON, *Role], ids=lambda v: getattr(v, "value", v))
def test_each_route_answers_each_visitor_as_expected(app, make_user, make_ideathon, visitor):
    target_user = make_user(Role.MODERATOR)
    values = {"ideathon_id": make_ideathon().id, "user_id": target_user.id, "code": "0108",
              "filename": "css/app.css"}
    client = app.test_client()
    auth = Auth(client)
    if visitor != ANON:
        auth.login(make_user(visitor))
    checked = 0
    for rule in app.url_map.iter_rules():
        allowed = visitor in ACCESS[rule.endpoint]
        path = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            if rule.endpoint == "accounts.logout":
                continue  # it would end this visitor's session; tested in tests/accounts
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data={"csrf_token": auth.csrf_token()})
            where = f"{method} {path} as {visitor}"
            if allowed:
                assert response.status_code not in (401, 403), where
                assert "/entrar?next=" not in response.headers.get("Location", ""), where
                assert response.status_code < 500, where
            elif visitor == ANON:
                assert response.status_code == 302, where
                assert "/entrar?next=" in response.headers["Location"], where
            else:
                assert response.status_code == 403, where
                assert "Acceso no permitido" in response.get_data(as_text=True), where
            checked += 1
    assert checked >= len(ACCESS)
