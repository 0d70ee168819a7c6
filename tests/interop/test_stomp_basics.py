#!/usr/bin/python3
"""STOMP 1.0, 1.1 and 1.2 with Debian's python3-stomp (stomp.py): receipts, /queue/ and /topic/,
ack modes, NACK, transactions, /temp-queue/ replies, durable topic subscriptions, heart-beats,
refused logins, and STOMP <-> AMQP (pika) through the same queues and amq.topic."""

import os
import queue
import sys
import threading
import unittest
import uuid

import stomp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402

STOMP_PORT = int(os.environ.get("COURIER_STOMP_PORT", "61613"))
CONNECTIONS = {"1.0": stomp.Connection10, "1.1": stomp.Connection11, "1.2": stomp.Connection12}


class Listener(stomp.ConnectionListener):
    """Collects what the server sends: messages, receipts, errors and heart-beats."""

    def __init__(self):
        self.messages = queue.Queue()
        self.receipts = queue.Queue()
        self.errors = queue.Queue()
        self.heartbeats = 0
        self.lock = threading.Lock()

    def on_message(self, frame):
        self.messages.put(frame)

    def on_receipt(self, frame):
        self.receipts.put(frame.headers.get("receipt-id"))

    def on_error(self, frame):
        self.errors.put(frame)

    def on_heartbeat(self):
        with self.lock:
            self.heartbeats += 1


def connect(version="1.2", heartbeats=(0, 0), login="guest", passcode="guest"):
    if version == "1.0":
        conn = CONNECTIONS[version]([(ic.HOST, STOMP_PORT)])
    else:
        conn = CONNECTIONS[version]([(ic.HOST, STOMP_PORT)], heartbeats=heartbeats)
    listener = Listener()
    conn.set_listener("", listener)
    conn.connect(login, passcode, wait=True, headers={"host": "/"})
    return conn, listener


def receipt(conn, listener, frame_sender):
    """Sends a frame with a fresh receipt id and waits for that RECEIPT."""
    rid = "r-" + uuid.uuid4().hex[:8]
    frame_sender(rid)
    got = listener.receipts.get(timeout=ic.TIMEOUT)
    assert got == rid, "expected receipt %s, got %s" % (rid, got)


class StompBasics(unittest.TestCase):
    def setUp(self):
        self.open = []

    def tearDown(self):
        for conn in self.open:
            try:
                conn.disconnect()
            except Exception:  # noqa: BLE001 - already closed by the test
                pass

    def client(self, *args, **kwargs):
        conn, listener = connect(*args, **kwargs)
        self.open.append(conn)
        return conn, listener

    def test_each_version_round_trips_a_message_through_a_queue_with_receipts(self):
        for version in ("1.0", "1.1", "1.2"):
            with self.subTest(version=version):
                conn, listener = self.client(version)
                destination = "/queue/" + ic.unique("stomp-rt")
                receipt(conn, listener, lambda r: conn.subscribe(destination, id="s1", ack="auto", receipt=r))
                receipt(conn, listener, lambda r: conn.send(destination, "hello " + version, receipt=r, headers={"persistent": "true"}))
                frame = listener.messages.get(timeout=ic.TIMEOUT)
                self.assertEqual("hello " + version, frame.body)
                self.assertEqual(destination, frame.headers["destination"])

    def test_a_topic_reaches_every_subscriber(self):
        (a, la), (b, lb) = self.client(), self.client()
        key = ic.unique("stomp-topic")
        receipt(a, la, lambda r: a.subscribe("/topic/" + key + ".*", id="a", receipt=r))
        receipt(b, lb, lambda r: b.subscribe("/topic/" + key + ".x", id="b", receipt=r))
        a.send("/topic/" + key + ".x", "fan-out")
        self.assertEqual("fan-out", la.messages.get(timeout=ic.TIMEOUT).body)
        self.assertEqual("fan-out", lb.messages.get(timeout=ic.TIMEOUT).body)

    def test_client_individual_ack_and_nack_requeue(self):
        conn, listener = self.client()
        destination = "/queue/" + ic.unique("stomp-ack")
        receipt(conn, listener, lambda r: conn.subscribe(destination, id="s", ack="client-individual", receipt=r))
        conn.send(destination, "once")
        first = listener.messages.get(timeout=ic.TIMEOUT)
        conn.nack(first.headers["ack"])
        again = listener.messages.get(timeout=ic.TIMEOUT)
        self.assertEqual("once", again.body)
        self.assertEqual("true", again.headers["redelivered"])
        receipt(conn, listener, lambda r: conn.ack(again.headers["ack"], receipt=r))
        self.assertTrue(listener.errors.empty())

    def test_a_transaction_delivers_at_commit_only(self):
        conn, listener = self.client()
        destination = "/queue/" + ic.unique("stomp-tx")
        receipt(conn, listener, lambda r: conn.subscribe(destination, id="s", receipt=r))
        tx = conn.begin()
        conn.send(destination, "in tx", transaction=tx)
        receipt(conn, listener, lambda r: conn.send(destination + "-other", "flush", receipt=r))
        self.assertTrue(listener.messages.empty())
        conn.commit(tx)
        self.assertEqual("in tx", listener.messages.get(timeout=ic.TIMEOUT).body)

    def test_temp_queue_replies_reach_the_requester(self):
        (service, ls), (client, lc) = self.client(), self.client()
        requests = "/queue/" + ic.unique("stomp-rpc")
        receipt(service, ls, lambda r: service.subscribe(requests, id="svc", receipt=r))
        client.send(requests, "question", headers={"reply-to": "/temp-queue/answers"})
        request = ls.messages.get(timeout=ic.TIMEOUT)
        self.assertTrue(request.headers["reply-to"].startswith("/reply-queue/"))
        service.send(request.headers["reply-to"], "answer")
        reply = lc.messages.get(timeout=ic.TIMEOUT)
        self.assertEqual("answer", reply.body)
        self.assertEqual("/temp-queue/answers", reply.headers["subscription"])

    def test_a_durable_topic_subscription_outlives_its_connection(self):
        key = ic.unique("stomp-durable")
        sub_id = "durable-" + uuid.uuid4().hex[:6]
        durable = {"durable": "true", "auto-delete": "false"}
        conn, listener = connect()
        receipt(conn, listener, lambda r: conn.subscribe("/topic/" + key, id=sub_id, ack="client", headers=durable, receipt=r))
        conn.disconnect()
        sender, ls = self.client()
        receipt(sender, ls, lambda r: sender.send("/topic/" + key, "kept", headers={"persistent": "true"}, receipt=r))
        again, la = self.client()
        again.subscribe("/topic/" + key, id=sub_id, ack="auto", headers=durable)
        self.assertEqual("kept", la.messages.get(timeout=ic.TIMEOUT).body)
        receipt(again, la, lambda r: again.unsubscribe(sub_id, headers={"durable": "true"}, receipt=r))

    def test_heart_beats_flow_both_ways(self):
        conn, listener = self.client("1.2", heartbeats=(1000, 1000))
        ic.wait_for(lambda: listener.heartbeats >= 2, ic.TIMEOUT, "two heart-beats from the server")
        self.assertTrue(conn.is_connected())

    def test_a_wrong_passcode_is_refused(self):
        with self.assertRaises(stomp.exception.ConnectFailedException):
            connect(passcode="wrong")

    def test_stomp_and_amqp_share_queues_and_amq_topic(self):
        conn, listener = self.client()
        name = ic.unique("stomp-amqp")
        receipt(conn, listener, lambda r: conn.send("/queue/" + name, "to amqp", content_type="text/plain",
                                                    headers={"correlation-id": "c1", "persistent": "true"}, receipt=r))
        amqp = ic.connect()
        try:
            channel = amqp.channel()
            method, properties, body = channel.basic_get(name, auto_ack=True)
            self.assertEqual(b"to amqp", body)
            self.assertEqual("text/plain", properties.content_type)
            self.assertEqual("c1", properties.correlation_id)
            self.assertEqual(2, properties.delivery_mode)
            key = ic.unique("stomp-from-amqp")
            receipt(conn, listener, lambda r: conn.subscribe("/topic/" + key, id="t", receipt=r))
            channel.basic_publish("amq.topic", key, b"to stomp")
            self.assertEqual("to stomp", listener.messages.get(timeout=ic.TIMEOUT).body)
            channel.queue_delete(name)
        finally:
            amqp.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
