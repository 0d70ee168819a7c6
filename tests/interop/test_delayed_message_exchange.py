#!/usr/bin/python3
"""The x-delayed-message exchange (RabbitMQ's delayed-message plugin interface):
messages with a positive x-delay header arrive after that many milliseconds,
in due order, with x-delay negated; others arrive at once; a mandatory delayed
message is returned at publish; a missing x-delayed-type is refused with 406."""

import os
import sys
import time
import unittest

import pika

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402


class DelayedMessageExchange(unittest.TestCase):
    def setUp(self):
        self.exchange = ic.unique("delayed")
        self.addCleanup(ic.cleanup, exchanges=[self.exchange])

    def _declare(self, ch, delayed_type="direct"):
        ch.exchange_declare(exchange=self.exchange, exchange_type="x-delayed-message",
                            arguments={"x-delayed-type": delayed_type})

    def test_delayed_messages_arrive_in_due_order_and_never_early(self):
        def setup(ch):
            self._declare(ch, "topic")
            q = ch.queue_declare(queue="", exclusive=True).method.queue
            ch.queue_bind(exchange=self.exchange, queue=q, routing_key="orders.*")
            return q

        consumer = ic.ConsumerThread("delayed", setup, auto_ack=True)
        published = {}
        conn = ic.connect()
        try:
            consumer.start_and_wait_ready()
            ch = conn.channel()
            for body, delay in [("late", 900), ("soon", 300), ("now", None), ("middle", 600), ("zero", 0)]:
                headers = {} if delay is None else {"x-delay": delay}
                published[body] = (time.monotonic(), delay or 0)
                ch.basic_publish(exchange=self.exchange, routing_key="orders.eu", body=body,
                                 properties=pika.BasicProperties(headers=headers, delivery_mode=2))
            ch.basic_publish(exchange=self.exchange, routing_key="invoices.eu", body="unbound",
                             properties=pika.BasicProperties(headers={"x-delay": 100}))
            ic.wait_for(lambda: consumer.count() >= 5, ic.TIMEOUT, "5 deliveries")
            received_at = time.monotonic()
        finally:
            conn.close()
            consumer.stop()

        deliveries = consumer.received
        self.assertEqual(["now", "zero", "soon", "middle", "late"], [d.body for d in deliveries])
        for d in deliveries:
            sent, delay = published[d.body]
            self.assertGreaterEqual(received_at - sent, delay / 1000.0)
            if delay > 0:
                self.assertEqual(-delay, d.props.headers["x-delay"])

    def test_mandatory_delayed_message_is_returned_at_publish(self):
        conn = ic.connect()
        try:
            ch = conn.channel()
            self._declare(ch)
            q = ch.queue_declare(queue="", exclusive=True).method.queue
            ch.queue_bind(exchange=self.exchange, queue=q, routing_key="k")
            ch.confirm_delivery()
            with self.assertRaises(pika.exceptions.UnroutableError):
                ch.basic_publish(exchange=self.exchange, routing_key="k", body="later", mandatory=True,
                                 properties=pika.BasicProperties(headers={"x-delay": 200}))
            ic.wait_for(lambda: ch.queue_declare(queue=q, passive=True).method.message_count == 1,
                        ic.TIMEOUT, "the returned message to be routed when due")
        finally:
            conn.close()

    def test_missing_delayed_type_is_refused_with_406(self):
        conn = ic.connect()
        try:
            ch = conn.channel()
            with self.assertRaises(pika.exceptions.ChannelClosedByBroker) as refused:
                ch.exchange_declare(exchange=self.exchange, exchange_type="x-delayed-message")
            self.assertEqual(406, refused.exception.reply_code)
            self.assertTrue(conn.is_open)
        finally:
            conn.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
