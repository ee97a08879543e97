"""deploy/'s gunicorn configuration and systemd unit (the whole recipe runs in tests/browser/test_deploy.py).

gunicorn (25.1+) opens a control socket for `gunicornc`, by default at one path per user
($XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl): every master of one user took the same path,
the last one started replacing the others'. The systemd unit gives each process its own
(/run/ideaboard-PORT/gunicorn.ctl), and deploy/gunicorn.conf.py names the default after the port.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import requests

from tests.processes import Process, free_port as _free_port, wait as _wait

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEPLOY = PROJECT_ROOT / "deploy"


def test_two_gunicorn_masters_with_the_shipped_config_each_have_their_own_control_socket(migrated, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("IDEABOARD_") and key not in {"DATABASE_URL", "REDIS_URL", "XDG_RUNTIME_DIR"}}
    env.update(HOME=str(home), IDEABOARD_ENV="testing", DATABASE_URL=migrated, SECRET_KEY="deploy-files-key",
               IDEABOARD_INSTANCE_PATH=str(tmp_path / "instance"))
    gunicorn = Path(sys.executable).with_name("gunicorn")
    processes = []
    try:
        for name in ("A", "B"):
            port = _free_port()
            process = Process(f"gunicorn {name}", [str(gunicorn), "-c", str(DEPLOY / "gunicorn.conf.py"),
                                                   "-b", f"127.0.0.1:{port}", "wsgi:app"],
                              tmp_path / f"gunicorn-{name}.log", env=env)
            process.port = port
            processes.append(process)
        for process in processes:
            def healthy(process=process):
                process.check_alive()
                try:
                    return requests.get(f"http://127.0.0.1:{process.port}/healthz", timeout=2).status_code == 200
                except requests.RequestException:
                    return False

            _wait(healthy, 60, f"{process.name} did not answer /healthz", process.log)
        gunicornc = Path(sys.executable).with_name("gunicornc")
        for process in processes:
            control = home / ".gunicorn" / f"gunicorn-{process.port}.ctl"
            _wait(control.exists, 30, f"no control socket at {control}", process.log)
            shown = subprocess.run([str(gunicornc), "-s", str(control), "-c", "show listeners", "-j"],
                                   capture_output=True, text=True, timeout=30)
            assert shown.returncode == 0, shown.stderr
            addresses = [listener["address"] for listener in json.loads(shown.stdout)["listeners"]]
            assert addresses == [f"http://127.0.0.1:{process.port}"]
        assert not (home / ".gunicorn" / "gunicorn.ctl").exists()  # the one path they all shared
    finally:
        for process in processes:
            process.stop()


def test_the_systemd_unit_restarts_raises_the_file_limit_and_gives_each_process_its_control_socket():
    unit = (DEPLOY / "systemd" / "ideaboard@.service").read_text()
    settings = {}
    for line in unit.replace("\\\n", " ").splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), value.strip())
    assert settings["Restart"] == "always"
    assert int(settings["LimitNOFILE"]) > 10000  # above gunicorn's worker_connections
    assert settings["EnvironmentFile"] == "/etc/ideaboard/ideaboard.env"
    assert settings["RuntimeDirectory"] == "ideaboard-%i"
    command = settings["ExecStart"].split()
    assert command[command.index("-c") + 1] == "deploy/gunicorn.conf.py"
    assert command[command.index("-b") + 1] == "127.0.0.1:%i"
    assert command[command.index("--control-socket") + 1] == "/run/ideaboard-%i/gunicorn.ctl"
    example = (DEPLOY / "ideaboard.env.example").read_text()
    for name in ("DATABASE_URL=", "REDIS_URL=", "SECRET_KEY=", "IDEABOARD_PROXY_COUNT=1"):
        assert name in example
