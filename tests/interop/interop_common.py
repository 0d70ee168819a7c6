"""Shared helpers for the pika interop tests (RabbitMQ tutorials 1-6).

Every consumer runs in its own thread with its own BlockingConnection
(pika connections are not thread-safe). Waiting is always on a condition
with a deadline, never a fixed sleep.
"""

import os
import threading
import time
import uuid

import pika

HOST = os.environ.get("COURIER_HOST", "127.0.0.1")
PORT = int(os.environ.get("COURIER_AMQP_PORT", "5672"))

# Upper bound for any single wait in the tests (seconds).
TIMEOUT = float(os.environ.get("COURIER_INTEROP_TIMEOUT", "20"))


def params():
    return pika.ConnectionParameters(
        host=HOST,
        port=PORT,
        virtual_host="/",
        credentials=pika.PlainCredentials("guest", "guest"),
        connection_attempts=1,
        socket_timeout=10,
        stack_timeout=15,
        blocked_connection_timeout=30,
    )


def connect():
    return pika.BlockingConnection(params())


def unique(prefix):
    """A per-run name so tests never collide with leftovers on a shared broker."""
    return "%s.interop-%s" % (prefix, uuid.uuid4().hex[:10])


def wait_for(predicate, timeout, what, interval=0.02):
    """Poll `predicate` until true or raise AssertionError after `timeout` seconds.

    `what` (a string, or a callable returning one) describes the condition."""
    deadline = time.monotonic() + timeout
    ev = threading.Event()
    while not predicate():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if callable(what):
                what = what()
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        ev.wait(min(interval, remaining))
    return True


def cleanup(queues=(), exchanges=()):
    """Best-effort delete of durable/non-exclusive resources on a fresh connection."""
    try:
        conn = connect()
    except Exception:
        return
    try:
        for q in queues:
            try:
                ch = conn.channel()
                ch.queue_delete(queue=q)
                ch.close()
            except Exception:
                pass
        for x in exchanges:
            try:
                ch = conn.channel()
                ch.exchange_delete(exchange=x)
                ch.close()
            except Exception:
                pass
    finally:
        try:
            conn.close()
        except Exception:
            pass


class Delivery:
    __slots__ = ("body", "routing_key", "exchange", "redelivered", "props")

    def __init__(self, method, props, body):
        self.body = body.decode("utf-8")
        self.routing_key = method.routing_key
        self.exchange = method.exchange
        self.redelivered = method.redelivered
        self.props = props

    def __repr__(self):
        return "Delivery(%r, rk=%r)" % (self.body, self.routing_key)


class ConsumerThread(threading.Thread):
    """A consumer with its own connection running in its own thread.

    Subclasses (or the `setup` callable) declare what they need on the channel
    and return the queue name to consume from. Messages are recorded in
    `self.received`; a message whose body equals `fence` sets `self.fenced`
    (and is not recorded) - used to know a queue has been drained.
    """

    def __init__(self, name, setup, auto_ack=True, prefetch_count=None,
                 fence=None, on_delivery=None, timeout=None):
        super().__init__(name=name, daemon=True)
        self.setup = setup
        self.auto_ack = auto_ack
        self.prefetch_count = prefetch_count
        self.fence = fence
        self.on_delivery = on_delivery  # fn(thread, channel, method, props, body)
        self.timeout = TIMEOUT * 3 if timeout is None else timeout
        self.queue = None
        self.received = []
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.fenced = threading.Event()
        self.stop_event = threading.Event()
        self.finished = threading.Event()
        self.error = None
        self.consumer_tag = None

    def count(self):
        with self.lock:
            return len(self.received)

    def bodies(self):
        with self.lock:
            return [d.body for d in self.received]

    def _callback(self, ch, method, props, body):
        if self.fence is not None and body.decode("utf-8", "replace") == self.fence:
            if not self.auto_ack:
                ch.basic_ack(delivery_tag=method.delivery_tag)
            self.fenced.set()
            return
        with self.lock:
            self.received.append(Delivery(method, props, body))
        if self.on_delivery is not None:
            self.on_delivery(self, ch, method, props, body)
        elif not self.auto_ack:
            ch.basic_ack(delivery_tag=method.delivery_tag)

    def run(self):
        conn = None
        try:
            conn = connect()
            self.connection = conn
            ch = conn.channel()
            self.channel = ch
            if self.prefetch_count is not None:
                ch.basic_qos(prefetch_count=self.prefetch_count)
            self.queue = self.setup(ch)
            self.consumer_tag = ch.basic_consume(
                queue=self.queue, on_message_callback=self._callback,
                auto_ack=self.auto_ack)
            self.ready.set()
            deadline = time.monotonic() + self.timeout
            while not self.stop_event.is_set() and time.monotonic() < deadline:
                conn.process_data_events(time_limit=0.05)
        except BaseException as e:  # reported to the main thread
            self.error = e
        finally:
            self.ready.set()  # never leave the main thread hanging
            try:
                if conn is not None and conn.is_open:
                    conn.close()
            except Exception:
                pass
            self.finished.set()

    def start_and_wait_ready(self):
        self.start()
        if not self.ready.wait(TIMEOUT):
            raise AssertionError("%s: consumer not ready within %.1fs" % (self.name, TIMEOUT))
        self.check()

    def check(self):
        if self.error is not None:
            raise AssertionError("%s failed: %r" % (self.name, self.error)) from self.error

    def stop(self):
        self.stop_event.set()
        self.join(TIMEOUT)
        if self.is_alive():
            raise AssertionError("%s did not stop within %.1fs" % (self.name, TIMEOUT))
        self.check()


def wait_fenced(consumers, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    for c in consumers:
        remaining = max(0.0, deadline - time.monotonic())
        if not c.fenced.wait(remaining):
            c.check()
            raise AssertionError(
                "%s never received its end-of-test marker within %.1fs; got %d message(s): %r"
                % (c.name, timeout, c.count(), c.bodies()))
        c.check()


def passive_declare_code(queue):
    """Passive queue.declare on a fresh connection: 200 if it exists and is
    accessible, else the channel-close reply code (404 not found, 405 locked)."""
    conn = connect()
    try:
        ch = conn.channel()
        try:
            ch.queue_declare(queue=queue, passive=True)
            return 200
        except pika.exceptions.ChannelClosedByBroker as e:
            return e.reply_code
    finally:
        if conn.is_open:
            conn.close()


def wait_queue_gone(queue, timeout=TIMEOUT):
    """Exclusive/auto-delete queues go away when their owner closes; the broker
    may do that asynchronously, so poll (bounded) for 404."""
    last = []

    def gone():
        last[:] = [passive_declare_code(queue)]
        return last[0] == 404
    wait_for(gone, timeout,
             lambda: "queue %r to be deleted (last passive declare: %r)" % (queue, last),
             interval=0.1)
