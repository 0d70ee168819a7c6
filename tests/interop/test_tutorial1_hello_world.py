#!/usr/bin/python3
"""RabbitMQ tutorial 1, "Hello World!": one producer, one consumer, a named queue."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402


class HelloWorld(unittest.TestCase):
    def setUp(self):
        self.queue = ic.unique("hello")
        self.fence = "__end__" + self.queue
        self.addCleanup(ic.cleanup, queues=[self.queue])

    def _receiver(self):
        def setup(ch):
            ch.queue_declare(queue=self.queue)  # idempotent, as in receive.py
            return self.queue
        return ic.ConsumerThread("receiver", setup, auto_ack=True, fence=self.fence)

    def _send(self, bodies):
        conn = ic.connect()
        try:
            ch = conn.channel()
            ch.queue_declare(queue=self.queue)  # as in send.py
            for b in bodies:
                ch.basic_publish(exchange="", routing_key=self.queue, body=b)
            ch.basic_publish(exchange="", routing_key=self.queue, body=self.fence)
        finally:
            conn.close()

    def test_receiver_running_then_send(self):
        receiver = self._receiver()
        receiver.start_and_wait_ready()
        try:
            self._send(["Hello World!"])
            ic.wait_fenced([receiver])
        finally:
            receiver.stop()
        self.assertEqual(receiver.bodies(), ["Hello World!"])
        d = receiver.received[0]
        self.assertEqual(d.exchange, "")
        self.assertEqual(d.routing_key, self.queue)
        self.assertFalse(d.redelivered)

    def test_send_first_message_waits_in_queue(self):
        bodies = ["Hello World!"] + ["Hello %d" % i for i in range(1, 10)]
        self._send(bodies)
        # The queue now holds the messages (plus the marker) until a consumer comes.
        conn = ic.connect()
        try:
            ok = conn.channel().queue_declare(queue=self.queue, passive=True)
            self.assertEqual(ok.method.message_count, len(bodies) + 1,
                             "queue.declare-ok message_count before any consumer")
            self.assertEqual(ok.method.consumer_count, 0)
        finally:
            conn.close()
        receiver = self._receiver()
        receiver.start_and_wait_ready()
        try:
            ic.wait_fenced([receiver])
        finally:
            receiver.stop()
        self.assertEqual(receiver.bodies(), bodies, "all messages, in publish order, once each")


if __name__ == "__main__":
    unittest.main(verbosity=2)
