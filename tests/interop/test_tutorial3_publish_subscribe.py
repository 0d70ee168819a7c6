#!/usr/bin/python3
"""RabbitMQ tutorial 3, "Publish/Subscribe": a fanout exchange; every subscriber
binds its own server-named exclusive queue and gets a copy of every message."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402


class PublishSubscribe(unittest.TestCase):
    def setUp(self):
        self.exchange = ic.unique("logs")
        self.fence = "__end__" + self.exchange
        self.addCleanup(ic.cleanup, exchanges=[self.exchange])

    def _subscriber(self, name):
        def setup(ch):
            ch.exchange_declare(exchange=self.exchange, exchange_type="fanout")
            ok = ch.queue_declare(queue="", exclusive=True)
            q = ok.method.queue
            ch.queue_bind(exchange=self.exchange, queue=q)
            return q
        return ic.ConsumerThread(name, setup, auto_ack=True, fence=self.fence)

    def test_fanout_to_exclusive_server_named_queues(self):
        conn = ic.connect()
        subs = []
        try:
            ch = conn.channel()
            ch.exchange_declare(exchange=self.exchange, exchange_type="fanout")
            # Nobody is bound yet: a fanout with no queues drops the message.
            ch.basic_publish(exchange=self.exchange, routing_key="", body="lost: nobody listening")

            a, b = self._subscriber("sub-A"), self._subscriber("sub-B")
            subs += [a, b]
            a.start_and_wait_ready()
            b.start_and_wait_ready()
            batch1 = ["log %d: info" % i for i in range(5)]
            for body in batch1:
                ch.basic_publish(exchange=self.exchange, routing_key="", body=body)
            # Fanout ignores the routing key.
            batch1.append("log 5: ignored routing key")
            ch.basic_publish(exchange=self.exchange, routing_key="whatever.key", body=batch1[-1])

            # A late subscriber sees only what is published after it bound.
            # Publishes on one channel are ordered, so wait until A has batch1
            # before C binds, making "after" unambiguous.
            ic.wait_for(lambda: a.count() >= len(batch1), ic.TIMEOUT,
                        lambda: "sub-A to get batch 1 (got %r)" % a.bodies())
            c = self._subscriber("sub-C")
            subs.append(c)
            c.start_and_wait_ready()
            batch2 = ["log %d: warning" % i for i in range(6, 12)]
            for body in batch2:
                ch.basic_publish(exchange=self.exchange, routing_key="", body=body)

            names = [s.queue for s in subs]
            for q in names:
                self.assertTrue(q, "server must name the queue")
            self.assertEqual(len(set(names)), 3, "server-generated names must be distinct: %r" % names)
            self.assertNotIn(self.exchange, names)

            # Marker straight to each queue via the default exchange: per-queue
            # ordering means every fanout copy before it has been delivered.
            for q in names:
                ch.basic_publish(exchange="", routing_key=q, body=self.fence)
            ic.wait_fenced(subs)

            # An exclusive queue belongs to its connection: others get 405 RESOURCE_LOCKED.
            self.assertEqual(ic.passive_declare_code(a.queue), 405,
                             "passive declare of another connection's exclusive queue")
        finally:
            for s in subs:
                s.stop()
            if conn.is_open:
                conn.close()

        a, b, c = subs
        self.assertEqual(a.bodies(), batch1 + batch2)
        self.assertEqual(b.bodies(), batch1 + batch2)
        self.assertEqual(c.bodies(), batch2)
        for s in subs:
            for d in s.received:
                self.assertEqual(d.exchange, self.exchange)
                self.assertFalse(d.redelivered)
        self.assertEqual(a.received[5].routing_key, "whatever.key")
        self.assertEqual(a.received[0].routing_key, "")

        # Exclusive queues are deleted when their connection closes.
        for s in subs:
            ic.wait_queue_gone(s.queue)


if __name__ == "__main__":
    unittest.main(verbosity=2)
