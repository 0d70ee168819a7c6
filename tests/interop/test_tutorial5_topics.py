#!/usr/bin/python3
"""RabbitMQ tutorial 5, "Topics": a topic exchange; '*' matches exactly one
word, '#' zero or more. A queue matching through several bindings gets one copy."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402

BINDINGS = {
    "Q1": ["*.orange.*"],
    "Q2": ["*.*.rabbit", "lazy.#"],
    "all": ["#"],
    "kern": ["kern.*", "*.critical"],
    "mid": ["a.#.z"],
}

# routing key -> consumers that must get it (the tutorial's own examples first)
ROUTES = [
    ("quick.orange.rabbit", {"Q1", "Q2"}),
    ("lazy.orange.elephant", {"Q1", "Q2"}),
    ("quick.orange.fox", {"Q1"}),
    ("lazy.brown.fox", {"Q2"}),
    ("lazy.pink.rabbit", {"Q2"}),          # matches both Q2 bindings: one copy
    ("quick.brown.fox", set()),
    ("orange", set()),
    ("quick.orange.male.rabbit", set()),
    ("lazy.orange.male.rabbit", {"Q2"}),
    ("lazy", {"Q2"}),                      # '#' matches zero words
    ("kern.critical", {"kern"}),           # matches both kern bindings: one copy
    ("kern.info", {"kern"}),
    ("kern", set()),                       # '*' needs exactly one word
    ("kern.info.more", set()),
    ("app.critical", {"kern"}),
    ("a.z", {"mid"}),
    ("a.b.z", {"mid"}),
    ("a.b.c.z", {"mid"}),
    ("a.b", set()),
    ("z.a.z", set()),
]


class Topics(unittest.TestCase):
    def setUp(self):
        self.exchange = ic.unique("topic_logs")
        self.fence = "__end__" + self.exchange
        self.addCleanup(ic.cleanup, exchanges=[self.exchange])

    def _consumer(self, name, keys):
        def setup(ch):
            ch.exchange_declare(exchange=self.exchange, exchange_type="topic")
            q = ch.queue_declare(queue="", exclusive=True).method.queue
            for key in keys:
                ch.queue_bind(exchange=self.exchange, queue=q, routing_key=key)
            return q
        return ic.ConsumerThread(name, setup, auto_ack=True, fence=self.fence)

    def test_topic_routing(self):
        consumers = {name: self._consumer(name, keys) for name, keys in BINDINGS.items()}
        messages = [(key, "msg %02d for %s" % (i, key)) for i, (key, _) in enumerate(ROUTES)]
        conn = ic.connect()
        try:
            for c in consumers.values():
                c.start_and_wait_ready()
            ch = conn.channel()
            ch.exchange_declare(exchange=self.exchange, exchange_type="topic")
            for key, body in messages:
                ch.basic_publish(exchange=self.exchange, routing_key=key, body=body)
            for c in consumers.values():
                ch.basic_publish(exchange="", routing_key=c.queue, body=self.fence)
            ic.wait_fenced(consumers.values())
        finally:
            for c in consumers.values():
                c.stop()
            if conn.is_open:
                conn.close()

        failures = []
        for name, keys in BINDINGS.items():
            got = [(d.routing_key, d.body) for d in consumers[name].received]
            if name == "all":
                expected = list(messages)
            else:
                expected = [m for m, (_, who) in zip(messages, ROUTES) if name in who]
            if got != expected:
                failures.append("%s bound to %r:\n    expected %r\n    got      %r"
                                % (name, keys, [k for k, _ in expected], [k for k, _ in got]))
        self.assertFalse(failures, "topic routing mismatch:\n" + "\n".join(failures))


if __name__ == "__main__":
    unittest.main(verbosity=2)
