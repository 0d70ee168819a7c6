#!/usr/bin/python3
"""De-duplication with the rabbitmq-message-deduplication plugin's interface, from pika:
the x-message-deduplication exchange drops (and acks) a message whose x-deduplication-header it
has routed before, and a queue declared with x-message-deduplication nacks a duplicate of a
message it holds."""

import os
import sys
import unittest

import pika
import pika.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402


def keyed(key):
    return pika.BasicProperties(headers={"x-deduplication-header": key})


class Deduplication(unittest.TestCase):
    def setUp(self):
        self.exchange = ic.unique("dedup")
        self.queue = ic.unique("dedup-q")
        self.addCleanup(ic.cleanup, queues=[self.queue], exchanges=[self.exchange])
        self.conn = ic.connect()
        self.addCleanup(self.conn.close)
        self.ch = self.conn.channel()
        self.ch.confirm_delivery()

    def test_exchange_drops_and_acks_a_duplicate(self):
        self.ch.exchange_declare(exchange=self.exchange, exchange_type="x-message-deduplication",
                                 arguments={"x-cache-size": 100})
        self.ch.queue_declare(queue=self.queue)
        self.ch.queue_bind(queue=self.queue, exchange=self.exchange, routing_key="")

        # With confirms on, basic_publish raises if the broker nacks: every one is acked.
        for body, key in [("a-1", "a"), ("a-2", "a"), ("b-1", "b"), ("a-3", "a")]:
            self.ch.basic_publish(exchange=self.exchange, routing_key="any", body=body, properties=keyed(key))
        self.ch.basic_publish(exchange=self.exchange, routing_key="any", body="plain")

        self.assertEqual(self._drain(), ["a-1", "b-1", "plain"])

    def test_exchange_refuses_a_bad_cache_size_with_406(self):
        with self.assertRaises(pika.exceptions.ChannelClosedByBroker) as refused:
            self.ch.exchange_declare(exchange=self.exchange, exchange_type="x-message-deduplication",
                                     arguments={"x-cache-size": 0})
        self.assertEqual(refused.exception.reply_code, 406)
        self.assertIn("x-cache-size", refused.exception.reply_text)

    def test_queue_nacks_a_duplicate_of_a_message_it_holds(self):
        self.ch.queue_declare(queue=self.queue, arguments={"x-message-deduplication": True})
        self.ch.basic_publish(exchange="", routing_key=self.queue, body="first", properties=keyed("k"))
        with self.assertRaises(pika.exceptions.NackError):
            self.ch.basic_publish(exchange="", routing_key=self.queue, body="second", properties=keyed("k"))

        self.assertEqual(self._drain(), ["first"])
        self.ch.basic_publish(exchange="", routing_key=self.queue, body="third", properties=keyed("k"))
        self.assertEqual(self._drain(), ["third"])

    def _drain(self):
        bodies = []
        while True:
            method, _, body = self.ch.basic_get(queue=self.queue, auto_ack=True)
            if method is None:
                return bodies
            bodies.append(body.decode())


if __name__ == "__main__":
    unittest.main(verbosity=2)
