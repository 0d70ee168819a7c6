#!/usr/bin/python3
"""RabbitMQ tutorial 2, "Work Queues": a durable task queue, persistent messages,
two competing workers with manual acks and prefetch_count=1 (fair dispatch)."""

import os
import sys
import threading
import unittest
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402

import pika  # noqa: E402

PERSISTENT = 2  # pika.spec.PERSISTENT_DELIVERY_MODE


class WorkQueues(unittest.TestCase):
    def setUp(self):
        self.queue = ic.unique("task_queue")
        self.addCleanup(ic.cleanup, queues=[self.queue])

    def _declare(self, ch):
        ch.queue_declare(queue=self.queue, durable=True)
        return self.queue

    def _publish(self, bodies):
        conn = ic.connect()
        try:
            ch = conn.channel()
            self._declare(ch)
            for b in bodies:
                ch.basic_publish(
                    exchange="", routing_key=self.queue, body=b,
                    properties=pika.BasicProperties(delivery_mode=PERSISTENT))
        finally:
            conn.close()

    def _queue_counts(self):
        conn = ic.connect()
        try:
            ok = conn.channel().queue_declare(queue=self.queue, passive=True)
            return ok.method.message_count, ok.method.consumer_count
        finally:
            conn.close()

    def _assert_drained(self):
        # Consumer removal after a connection closes may be asynchronous in the
        # broker: wait (bounded) until no consumers remain, then nothing may be
        # left or requeued.
        counts = []

        def no_consumers():
            counts[:] = [self._queue_counts()]
            return counts[0][1] == 0
        ic.wait_for(no_consumers, ic.TIMEOUT,
                    lambda: "consumer_count to drop to 0 (last ready/consumers: %r)" % (counts,))
        ready, _ = self._queue_counts()
        self.assertEqual(ready, 0, "queue should be empty: nothing lost, nothing requeued")

    def test_two_workers_fair_dispatch(self):
        n = 20
        tasks = ["Task %02d %s" % (i, "." * (i % 4 + 1)) for i in range(n)]

        release = threading.Event()     # lets the workers finish their first task
        first = {}                      # worker name -> Event: holds 1st task unacked
        acked = Counter()               # body -> number of acks
        acked_lock = threading.Lock()
        problems = []

        def on_delivery(worker, ch, method, props, body):
            # "Work": wait (bounded) on the first task until the test says go, so
            # each worker is seen holding exactly one unacked message.
            if props.delivery_mode != PERSISTENT:
                problems.append("%s: delivery_mode=%r, expected 2" % (worker.name, props.delivery_mode))
            if method.redelivered:
                problems.append("%s: unexpected redelivered=True for %r" % (worker.name, body))
            if not first[worker.name].is_set():
                first[worker.name].set()
                if not release.wait(ic.TIMEOUT):
                    problems.append("%s: never released" % worker.name)
            ch.basic_ack(delivery_tag=method.delivery_tag)
            with acked_lock:
                acked[body.decode()] += 1

        workers = []
        for name in ("worker-A", "worker-B"):
            first[name] = threading.Event()
            workers.append(ic.ConsumerThread(name, self._declare, auto_ack=False,
                                             prefetch_count=1, on_delivery=on_delivery))
        try:
            for w in workers:
                w.start_and_wait_ready()
            self._publish(tasks)

            # Whichever worker gets task 1 holds it unacked; with prefetch_count=1
            # the broker must give the next task to the other worker.
            for name, ev in first.items():
                if not ev.wait(ic.TIMEOUT):
                    raise AssertionError(
                        "%s got no task while the other worker held an unacked one: "
                        "prefetch_count=1 not honoured? got A=%r B=%r"
                        % (name, workers[0].bodies(), workers[1].bodies()))
            self.assertEqual([w.count() for w in workers], [1, 1],
                             "each worker must hold exactly one unacked task")
            ready, consumers = self._queue_counts()
            self.assertEqual(ready, n - 2, "ready messages while 2 are unacked (prefetch 1 each)")
            self.assertEqual(consumers, 2)
            release.set()

            def all_acked():
                with acked_lock:
                    return sum(acked.values()) >= n
            ic.wait_for(all_acked, ic.TIMEOUT, "all %d tasks to be acked" % n)
        finally:
            release.set()
            for w in workers:
                w.stop()

        self.assertEqual(problems, [])
        got_a, got_b = workers[0].bodies(), workers[1].bodies()
        self.assertTrue(got_a, "worker-A got no work")
        self.assertTrue(got_b, "worker-B got no work")
        self.assertEqual(len(got_a) + len(got_b), n, "lost or duplicated tasks: A=%r B=%r" % (got_a, got_b))
        self.assertEqual(sorted(got_a + got_b), sorted(tasks), "exact task set")
        self.assertEqual(set(got_a) & set(got_b), set(), "a task went to both workers")
        self.assertEqual(dict(acked), {t: 1 for t in tasks}, "each task acked exactly once")
        # each worker sees its share in queue order
        self.assertEqual(got_a, sorted(got_a))
        self.assertEqual(got_b, sorted(got_b))
        self._assert_drained()

    def test_unacked_task_redelivered_when_worker_dies(self):
        self._publish(["Task important ..."])

        got = threading.Event()

        def hold(worker, ch, method, props, body):
            got.set()  # never ack: the worker "dies" with the task in hand

        dying = ic.ConsumerThread("dying-worker", self._declare, auto_ack=False,
                                  prefetch_count=1, on_delivery=hold)
        dying.start_and_wait_ready()
        try:
            self.assertTrue(got.wait(ic.TIMEOUT), "dying worker never got the task")
        finally:
            dying.stop()  # closes its connection without acking
        self.assertEqual(dying.bodies(), ["Task important ..."])
        self.assertFalse(dying.received[0].redelivered)

        survivor = ic.ConsumerThread("survivor", self._declare, auto_ack=False, prefetch_count=1)
        survivor.start_and_wait_ready()
        try:
            ic.wait_for(lambda: survivor.count() >= 1, ic.TIMEOUT,
                        "the unacked task to be redelivered to the survivor")
        finally:
            survivor.stop()
        self.assertEqual(survivor.bodies(), ["Task important ..."])
        self.assertTrue(survivor.received[0].redelivered, "redelivered flag must be set")
        self._assert_drained()


if __name__ == "__main__":
    unittest.main(verbosity=2)
