"""Production refuses to start without SECRET_KEY; development and testing keep the instance key.

Two production processes with separate instance folders once wrote a key each, silently, and then
refused each other's participants (their signed cookies). A fixed SECRET_KEY is required there now
(README, "Production"); the hall laptop (`make run`, development) still keeps a key of its own in
the instance folder, so its sessions survive a restart.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ideaboard import create_app
from tests.conftest import app_config

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_key_env(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("IDEABOARD_SECRET_KEY", raising=False)
    monkeypatch.setenv("IDEABOARD_INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path / "instance"


def _config(database_url, env_name, **extra):
    config = app_config(database_url, ENV_NAME=env_name, **extra)
    del config["SECRET_KEY"]
    return config


def test_production_refuses_to_start_without_a_secret_key(migrated, no_key_env):
    with pytest.raises(RuntimeError, match="SECRET_KEY") as refused:
        create_app(_config(migrated, "production"))
    assert "several processes" in str(refused.value)  # says why, not only what
    assert not (no_key_env / "secret_key").exists()  # and writes no key of its own


def test_production_starts_with_a_secret_key_from_the_environment(migrated, no_key_env, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-fixed-production-key")
    app = create_app(_config(migrated, "production"))
    assert app.config["SECRET_KEY"] == "a-fixed-production-key"
    assert not (no_key_env / "secret_key").exists()


@pytest.mark.parametrize("env_name", ["development", "testing"])
def test_development_and_testing_keep_the_instance_key(migrated, no_key_env, env_name):
    first = create_app(_config(migrated, env_name))
    key_file = no_key_env / "secret_key"
    assert key_file.read_text().strip() == first.config["SECRET_KEY"]
    assert create_app(_config(migrated, env_name)).config["SECRET_KEY"] == first.config["SECRET_KEY"]


def _flask(args, migrated, instance, **env):
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("IDEABOARD_") and key not in {"SECRET_KEY", "REDIS_URL"}}
    environment.update(IDEABOARD_ENV="production", DATABASE_URL=migrated, IDEABOARD_INSTANCE_PATH=str(instance),
                       **env)
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run([str(flask), "--app", "wsgi", *args], cwd=PROJECT_ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_the_operators_commands_run_in_production_with_a_key_and_say_why_without(migrated, tmp_path):
    """`flask db upgrade` (README, "Production") works with SECRET_KEY set; without, the refusal is
    one clear line, not a silent per-instance key."""
    done = _flask(["db", "upgrade"], migrated, tmp_path / "instance", SECRET_KEY="a-fixed-production-key")
    assert done.returncode == 0, done.stderr[-2000:]
    refused = _flask(["db", "current"], migrated, tmp_path / "instance")
    assert refused.returncode != 0
    assert "SECRET_KEY" in refused.stderr
    assert not (tmp_path / "instance" / "secret_key").exists()
