#!/usr/bin/python3
"""RabbitMQ tutorial 4, "Routing": a direct exchange; each consumer binds its
server-named exclusive queue with one or more severities (binding keys)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402

# consumer -> binding keys (console binds "error" twice: must still get one copy)
BINDINGS = {
    "disk": ["error"],
    "console": ["info", "warning", "error", "error"],
    "audit": ["warning"],
}

# (severity used as routing key, body)
MESSAGES = [
    ("info", "info: service started"),
    ("warning", "warning: disk 80% full"),
    ("error", "error: disk full"),
    ("debug", "debug: nobody binds debug"),
    ("info", "info: request served"),
    ("ERROR", "ERROR: keys are case-sensitive, nobody gets this"),
    ("error", "error: write failed"),
    ("warning", "warning: retrying"),
    ("", "empty key: nobody"),
    ("info.extra", "direct does no pattern matching"),
]


class Routing(unittest.TestCase):
    def setUp(self):
        self.exchange = ic.unique("direct_logs")
        self.fence = "__end__" + self.exchange
        self.addCleanup(ic.cleanup, exchanges=[self.exchange])

    def _consumer(self, name, keys):
        def setup(ch):
            ch.exchange_declare(exchange=self.exchange, exchange_type="direct")
            q = ch.queue_declare(queue="", exclusive=True).method.queue
            for key in keys:
                ch.queue_bind(exchange=self.exchange, queue=q, routing_key=key)
            return q
        return ic.ConsumerThread(name, setup, auto_ack=True, fence=self.fence)

    def test_direct_routing_by_severity(self):
        consumers = {name: self._consumer(name, keys) for name, keys in BINDINGS.items()}
        conn = ic.connect()
        try:
            for c in consumers.values():
                c.start_and_wait_ready()
            ch = conn.channel()
            ch.exchange_declare(exchange=self.exchange, exchange_type="direct")
            for key, body in MESSAGES:
                ch.basic_publish(exchange=self.exchange, routing_key=key, body=body)
            for c in consumers.values():
                ch.basic_publish(exchange="", routing_key=c.queue, body=self.fence)
            ic.wait_fenced(consumers.values())
        finally:
            for c in consumers.values():
                c.stop()
            if conn.is_open:
                conn.close()

        for name, keys in BINDINGS.items():
            got = [(d.routing_key, d.body) for d in consumers[name].received]
            expected = [(k, b) for k, b in MESSAGES if k in keys]
            self.assertEqual(got, expected, "consumer %r bound to %r" % (name, keys))
            for d in consumers[name].received:
                self.assertEqual(d.exchange, self.exchange)
        self.assertEqual(consumers["disk"].bodies(), ["error: disk full", "error: write failed"])
        self.assertEqual(len(consumers["console"].bodies()), 6)
        self.assertEqual(consumers["audit"].bodies(), ["warning: disk 80% full", "warning: retrying"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
