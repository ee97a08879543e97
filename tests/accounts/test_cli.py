"""The `users` commands of the README, run as a person would."""
from ideaboard.accounts.models import Role


def test_users_create_set_password_and_list(runner, make_user):
    make_user(Role.ADMIN, email="admin@example.org")
    created = runner.invoke(args=["users", "create", "luis@example.org", "--name", "Luis Pérez",
                                  "--role", "official", "--municipality", "0108"])
    assert created.exit_code == 0, created.output
    listed = runner.invoke(args=["users", "list"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines == ["admin@example.org\tadmin\tactive\t" + lines[0].split("\t")[3],
                     "luis@example.org\tofficial\tactive\tLuis Pérez"]
    refused = runner.invoke(args=["users", "create", "x@example.org", "--name", "X", "--role", "official"])
    assert refused.exit_code != 0
