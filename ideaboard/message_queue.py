"""The Socket.IO message queue between processes (Redis), quick to come back after a Redis blip.

python-socketio's RedisManager re-subscribes after losing Redis with a back-off that doubles up to
60 s: after a one-minute outage a process could go another minute without hearing the other
processes' room messages (its phones would see nothing posted elsewhere until the next change
revealed the gap). `RedisQueue` retries every RETRY_MAX seconds at most, and gives up connecting
or publishing after REDIS_TIMEOUT, so a Redis that hangs counts as down and never holds a request
for long. A message that cannot be published is logged and dropped (for PUBLISH_PAUSE seconds
without trying); the phones of the other processes catch up from the room's sequence number at the
next change (static/js/room.js).
"""
import time

import socketio

RETRY_FIRST = 0.5  # seconds before the first new attempt
RETRY_MAX = 2.0  # seconds between attempts, at most
PUBLISH_PAUSE = 2.0  # seconds without trying to publish after a failure


class RedisQueue(socketio.RedisManager):
    def __init__(self, url, *, timeout: float, **kwargs):
        super().__init__(url, redis_options={"socket_connect_timeout": timeout}, **kwargs)
        self.timeout = timeout
        self.paused_until = 0.0

    def _redis_connect(self):
        """Publishing gives up after `timeout` (a Redis that hangs must not hold a request); the
        subscriber's connection has no read timeout, since it waits for messages."""
        super()._redis_connect()
        self.redis = self._get_redis_module().Redis.from_url(
            self.redis_url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout)

    def _publish(self, data):
        """Publish, or drop the message while Redis is failing: after a failed publish the next
        PUBLISH_PAUSE seconds skip Redis, so each request does not wait out the timeout again."""
        if time.monotonic() < self.paused_until:
            return None
        result = super()._publish(data)
        if result is None:  # the library logged the failure and gave up
            self.paused_until = time.monotonic() + PUBLISH_PAUSE
        return result

    def _redis_listen_with_retries(self):  # the library's loop, with a short ceiling on the back-off
        retry_sleep = RETRY_FIRST
        subscribed = False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    subscribed = True
                    if retry_sleep > RETRY_FIRST:
                        self._get_logger().warning("Redis message queue: subscribed again")
                    retry_sleep = RETRY_FIRST
                yield from self.pubsub.listen()
            except Exception as exc:  # noqa: BLE001 - whatever Redis did, try again shortly
                self._get_logger().error(f"Cannot receive from redis... retrying in {retry_sleep} secs",
                                         extra={"redis_exception": str(exc)})
                subscribed = False
                time.sleep(retry_sleep)
                retry_sleep = min(retry_sleep * 2, RETRY_MAX)


def client_manager(app):
    """The message queue for `socketio.init_app`'s client_manager, or None (one process, or a queue
    Flask-SocketIO builds itself from the URL)."""
    url = app.config["SOCKETIO_MESSAGE_QUEUE"]
    if not url or not url.startswith(("redis://", "rediss://")):
        return None
    return RedisQueue(url, channel=app.config["SOCKETIO_CHANNEL"], timeout=float(app.config["REDIS_TIMEOUT"]))
