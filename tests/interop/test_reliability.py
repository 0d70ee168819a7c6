#!/usr/bin/python3
"""Reliable-messaging queue arguments through pika, checked as RabbitMQ behaves:
dead-lettering with x-death, message TTL, length limits with drop-head and
reject-publish, and priorities."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402

import pika  # noqa: E402
from pika.exceptions import NackError  # noqa: E402


class Reliability(unittest.TestCase):
    def setUp(self):
        self.conn = ic.connect()
        self.addCleanup(self.conn.close)
        self.ch = self.conn.channel()
        self.dlx = ic.unique("dlx")
        self.dead = ic.unique("dead")
        self.ch.exchange_declare(exchange=self.dlx, exchange_type="fanout")
        self.ch.queue_declare(queue=self.dead)
        self.ch.queue_bind(queue=self.dead, exchange=self.dlx)
        self.addCleanup(ic.cleanup, queues=[self.dead], exchanges=[self.dlx])

    def _queue(self, prefix, arguments):
        name = ic.unique(prefix)
        self.ch.queue_declare(queue=name, arguments=arguments)
        self.addCleanup(ic.cleanup, queues=[name])
        return name

    def _get_eventually(self, queue, what):
        found = []

        def got():
            method, props, body = self.ch.basic_get(queue=queue, auto_ack=True)
            if method is not None:
                found.append((props, body))
            return bool(found)
        ic.wait_for(got, ic.TIMEOUT, what)
        return found[0]

    def _drain(self, queue):
        bodies = []
        while True:
            method, _, body = self.ch.basic_get(queue=queue, auto_ack=True)
            if method is None:
                return bodies
            bodies.append(body)

    def test_rejected_message_is_dead_lettered_with_x_death(self):
        work = self._queue("work", {"x-dead-letter-exchange": self.dlx})
        self.ch.basic_publish(exchange="", routing_key=work, body=b"poison")
        method, _, _ = self.ch.basic_get(queue=work, auto_ack=False)
        self.ch.basic_reject(delivery_tag=method.delivery_tag, requeue=False)
        props, body = self._get_eventually(self.dead, "the dead letter")
        self.assertEqual(body, b"poison")
        death = props.headers["x-death"][0]
        self.assertEqual(death["reason"], "rejected")
        self.assertEqual(death["queue"], work)
        self.assertEqual(death["count"], 1)
        self.assertEqual(death["routing-keys"], [work])
        self.assertEqual(props.headers["x-first-death-reason"], "rejected")

    def test_expired_message_is_never_delivered_and_is_dead_lettered(self):
        ttl = self._queue("ttl", {"x-message-ttl": 50, "x-dead-letter-exchange": self.dlx})
        self.ch.basic_publish(exchange="", routing_key=ttl, body=b"late")
        props, body = self._get_eventually(self.dead, "the expired message")
        self.assertEqual(body, b"late")
        self.assertEqual(props.headers["x-death"][0]["reason"], "expired")
        self.assertEqual(self._drain(ttl), [])

    def test_max_length_drops_the_head_and_reject_publish_nacks(self):
        three = self._queue("three", {"x-max-length": 3})
        for i in range(5):
            self.ch.basic_publish(exchange="", routing_key=three, body=b"m%d" % i)
        self.assertEqual(self._drain(three), [b"m2", b"m3", b"m4"])

        full = self._queue("full", {"x-max-length": 1, "x-overflow": "reject-publish"})
        self.ch.confirm_delivery()
        self.ch.basic_publish(exchange="", routing_key=full, body=b"kept")
        with self.assertRaises(NackError):
            self.ch.basic_publish(exchange="", routing_key=full, body=b"refused")
        self.assertEqual(self._drain(full), [b"kept"])

    def test_priorities_come_first(self):
        prio = self._queue("prio", {"x-max-priority": 10})
        for body, priority in ((b"low", 1), (b"high", 9), (b"none", None), (b"mid", 5)):
            self.ch.basic_publish(exchange="", routing_key=prio, body=body,
                                  properties=pika.BasicProperties(priority=priority))
        self.assertEqual(self._drain(prio), [b"high", b"mid", b"low", b"none"])

    def test_bad_argument_is_refused_with_406(self):
        with self.assertRaises(pika.exceptions.ChannelClosedByBroker) as refused:
            self.ch.queue_declare(queue=ic.unique("bad"), arguments={"x-message-ttl": "abc"})
        self.assertEqual(refused.exception.reply_code, 406)
        self.assertIn("x-message-ttl", refused.exception.reply_text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
