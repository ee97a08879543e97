"""The live server the browser tests drive runs the profile the environment asks for."""
import json
import os
import urllib.request

import pytest

pytestmark = pytest.mark.browser


def test_live_server_uses_the_configured_database_and_redis(live_server):
    with urllib.request.urlopen(live_server.url + "/readyz", timeout=5) as response:
        body = json.load(response)
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    if os.environ.get("REDIS_URL"):  # production profile: Socket.IO queue and rate limits on Redis
        assert body["checks"]["redis"] == "ok"
    else:
        assert "redis" not in body["checks"]
