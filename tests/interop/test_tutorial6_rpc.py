#!/usr/bin/python3
"""RabbitMQ tutorial 6, "RPC": clients send requests to an rpc queue with
reply_to = their server-named exclusive callback queue and a correlation_id;
competing RPC servers (prefetch_count=1, manual ack) reply via the default exchange."""

import os
import sys
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402

import pika  # noqa: E402


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


class FibonacciRpcClient:
    """The tutorial's client, with a deadline instead of waiting forever."""

    def __init__(self, rpc_queue):
        self.rpc_queue = rpc_queue
        self.connection = ic.connect()
        self.channel = self.connection.channel()
        result = self.channel.queue_declare(queue="", exclusive=True)
        self.callback_queue = result.method.queue
        self.channel.basic_consume(queue=self.callback_queue,
                                   on_message_callback=self.on_response, auto_ack=True)
        self.response = None
        self.corr_id = None
        self.ignored = []   # replies whose correlation_id was not ours

    def on_response(self, ch, method, props, body):
        if self.corr_id == props.correlation_id:
            self.response = body
        else:
            self.ignored.append((props.correlation_id, body))

    def call(self, n, timeout=ic.TIMEOUT):
        self.response = None
        self.corr_id = str(uuid.uuid4())
        self.channel.basic_publish(
            exchange="", routing_key=self.rpc_queue,
            properties=pika.BasicProperties(reply_to=self.callback_queue,
                                            correlation_id=self.corr_id),
            body=str(n))
        deadline = time.monotonic() + timeout
        while self.response is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("no RPC reply for fib(%d) within %.1fs" % (n, timeout))
            self.connection.process_data_events(time_limit=min(0.1, remaining))
        return int(self.response)

    def close(self):
        if self.connection.is_open:
            self.connection.close()


class Rpc(unittest.TestCase):
    def setUp(self):
        self.rpc_queue = ic.unique("rpc_queue")
        self.addCleanup(ic.cleanup, queues=[self.rpc_queue])
        self.handled = []   # (server, n, reply_to, correlation_id)
        self.lock = threading.Lock()

    def _server(self, name):
        def setup(ch):
            ch.queue_declare(queue=self.rpc_queue)
            return self.rpc_queue

        def on_request(server, ch, method, props, body):
            n = int(body)
            with self.lock:
                self.handled.append((server.name, n, props.reply_to, props.correlation_id))
            ch.basic_publish(exchange="", routing_key=props.reply_to,
                             properties=pika.BasicProperties(correlation_id=props.correlation_id),
                             body=str(fib(n)))
            ch.basic_ack(delivery_tag=method.delivery_tag)

        return ic.ConsumerThread(name, setup, auto_ack=False, prefetch_count=1,
                                 on_delivery=on_request)

    def _start_servers(self, count=2):
        servers = [self._server("rpc-server-%d" % i) for i in range(count)]
        for s in servers:
            s.start_and_wait_ready()
        return servers

    def test_single_client_with_stray_reply(self):
        servers = self._start_servers()
        client = None
        try:
            client = FibonacciRpcClient(self.rpc_queue)
            self.assertTrue(client.callback_queue, "server must name the callback queue")
            # A stray reply with an unknown correlation_id must be ignored.
            client.channel.basic_publish(
                exchange="", routing_key=client.callback_queue,
                properties=pika.BasicProperties(correlation_id="not-a-request-of-ours"),
                body="-1")
            results = {n: client.call(n) for n in range(0, 21)}
            stray = list(client.ignored)
        finally:
            if client is not None:
                client.close()
            for s in servers:
                s.stop()
        self.assertEqual(results, {n: fib(n) for n in range(0, 21)})
        self.assertEqual(results[20], 6765)
        self.assertEqual(stray, [("not-a-request-of-ours", b"-1")])
        self.assertEqual(sorted(n for _, n, _, _ in self.handled), list(range(0, 21)),
                         "each request handled exactly once")
        self.assertEqual({r for _, _, r, _ in self.handled}, {client.callback_queue})
        corr = [c for _, _, _, c in self.handled]
        self.assertEqual(len(set(corr)), len(corr), "correlation ids must be distinct")
        ic.wait_queue_gone(client.callback_queue)

    def test_concurrent_clients(self):
        servers = self._start_servers()
        n_clients, calls = 3, list(range(5, 15))
        outcome = {}
        errors = []
        started = threading.Barrier(n_clients, timeout=ic.TIMEOUT)

        def run_client(i):
            client = None
            try:
                client = FibonacciRpcClient(self.rpc_queue)
                started.wait()
                got = [(n, client.call(n)) for n in calls]
                outcome[i] = (client.callback_queue, got, list(client.ignored))
            except BaseException as e:
                errors.append("client %d: %r" % (i, e))
                started.abort()
            finally:
                if client is not None:
                    client.close()

        threads = [threading.Thread(target=run_client, args=(i,), daemon=True)
                   for i in range(n_clients)]
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join(ic.TIMEOUT * 2)
                self.assertFalse(t.is_alive(), "an RPC client thread hung")
        finally:
            for s in servers:
                s.stop()
        self.assertEqual(errors, [])
        self.assertEqual(sorted(outcome), list(range(n_clients)))
        queues = set()
        for i, (cbq, got, ignored) in outcome.items():
            self.assertEqual(got, [(n, fib(n)) for n in calls], "client %d results" % i)
            self.assertEqual(ignored, [], "client %d got someone else's reply" % i)
            queues.add(cbq)
        self.assertEqual(len(queues), n_clients, "callback queues must be distinct")
        self.assertEqual(len(self.handled), n_clients * len(calls), "requests lost or duplicated")
        for cbq in queues:
            served = sorted(n for _, n, r, _ in self.handled if r == cbq)
            self.assertEqual(served, calls)


if __name__ == "__main__":
    unittest.main(verbosity=2)
