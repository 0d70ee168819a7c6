#!/usr/bin/python3
"""RabbitMQ's own rabbitmqadmin (from Debian's rabbitmq-server) against Courier's management API.

list, declare and delete a queue and an exchange, publish, get, export and import definitions;
declare, list and delete a policy.
rabbitmqadmin is found at $RABBITMQADMIN or /usr/bin/rabbitmqadmin (.ci/run installs
rabbitmq-server for it); every call is bounded by a timeout.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402

ADMIN = os.environ.get("RABBITMQADMIN", "/usr/bin/rabbitmqadmin")
HTTP_PORT = os.environ.get("COURIER_HTTP_PORT", "15672")


def admin(*args, vhost=None):
    command = ["/usr/bin/python3", ADMIN, "-H", ic.HOST, "-P", HTTP_PORT, "-u", "guest", "-p", "guest"]
    if vhost is not None:
        command += ["-V", vhost]
    result = subprocess.run(command + list(args), capture_output=True, text=True, timeout=ic.TIMEOUT)
    if result.returncode != 0:
        raise AssertionError(f"rabbitmqadmin {' '.join(args)} exited {result.returncode}: {result.stdout} {result.stderr}")
    return result.stdout


def admin_json(*args, vhost=None):
    return json.loads(admin("-f", "raw_json", *args, vhost=vhost))


class RabbitmqAdmin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(ADMIN):
            raise AssertionError(f"{ADMIN} not found: apt-get install -y rabbitmq-server (or set RABBITMQADMIN)")

    def setUp(self):
        self.queue = ic.unique("admin-q")
        self.exchange = ic.unique("admin-x")
        self.addCleanup(ic.cleanup, queues=[self.queue])

    def test_declare_list_publish_get_and_delete(self):
        self.assertIn("queue declared", admin("declare", "queue", f"name={self.queue}", "durable=false"))
        self.assertIn("exchange declared", admin("declare", "exchange", f"name={self.exchange}", "type=fanout"))
        admin("declare", "binding", f"source={self.exchange}", f"destination={self.queue}")

        queues = admin_json("list", "queues", "name", "messages")
        self.assertIn(self.queue, [q["name"] for q in queues])
        exchanges = admin_json("list", "exchanges", "name", "type")
        self.assertIn({"name": self.exchange, "type": "fanout"}, exchanges)

        self.assertIn("Message published", admin("publish", f"exchange={self.exchange}", "routing_key=any", "payload=hello"))
        got = admin_json("get", f"queue={self.queue}", "ackmode=ack_requeue_false")
        self.assertEqual(1, len(got))
        self.assertEqual("hello", got[0]["payload"])
        self.assertEqual(self.exchange, got[0]["exchange"])

        # The message was taken: a pika client sees an empty queue.
        conn = ic.connect()
        try:
            method, _, _ = conn.channel().basic_get(self.queue, auto_ack=True)
            self.assertIsNone(method)
        finally:
            conn.close()

        self.assertIn("exchange deleted", admin("delete", "exchange", f"name={self.exchange}"))
        self.assertIn("queue deleted", admin("delete", "queue", f"name={self.queue}"))
        self.assertNotIn(self.queue, [q["name"] for q in admin_json("list", "queues", "name")])

    def test_export_and_import(self):
        admin("declare", "queue", f"name={self.queue}", "durable=true", "arguments={\"x-max-length\": 7}")
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "definitions.json")
            self.assertIn("Exported definitions", admin("export", path))
            with open(path, encoding="utf-8") as f:
                exported = json.load(f)
            entry = [q for q in exported["queues"] if q["name"] == self.queue]
            self.assertEqual(1, len(entry))
            self.assertEqual(7, entry[0]["arguments"]["x-max-length"])
            self.assertIn("guest", [u["name"] for u in exported["users"]])

            admin("delete", "queue", f"name={self.queue}")
            self.assertIn("Uploaded definitions", admin("import", path))
        queues = admin_json("list", "queues", "name", "arguments")
        self.assertIn({"name": self.queue, "arguments": {"x-max-length": 7}}, queues)

    def test_declare_list_and_delete_a_policy_that_trims_a_queue(self):
        policy = ic.unique("admin-policy")
        self.addCleanup(lambda: subprocess.run(
            ["/usr/bin/python3", ADMIN, "-H", ic.HOST, "-P", HTTP_PORT, "-u", "guest", "-p", "guest", "delete", "policy", f"name={policy}"],
            capture_output=True, timeout=ic.TIMEOUT))
        admin("declare", "queue", f"name={self.queue}", "durable=false")
        definition = json.dumps({"max-length": 2, "overflow": "drop-head"})
        self.assertIn("policy declared", admin("declare", "policy", f"name={policy}", f"pattern=^{self.queue}$",
                                               f"definition={definition}", "priority=3", "apply-to=queues"))

        listed = [p for p in admin_json("list", "policies") if p["name"] == policy]
        self.assertEqual(1, len(listed))
        self.assertEqual({"max-length": 2, "overflow": "drop-head"}, listed[0]["definition"])
        self.assertEqual(3, listed[0]["priority"])
        self.assertEqual("queues", listed[0]["apply-to"])
        self.assertEqual(policy, [q for q in admin_json("list", "queues", "name", "policy") if q["name"] == self.queue][0]["policy"])

        # The policy applies to the queue a pika client publishes to: the oldest messages are dropped.
        conn = ic.connect()
        try:
            ch = conn.channel()
            ch.confirm_delivery()
            for i in range(4):
                ch.basic_publish("", self.queue, f"m{i}".encode())
            self.assertEqual(2, ch.queue_declare(self.queue, passive=True).method.message_count)
            method, _, body = ch.basic_get(self.queue, auto_ack=True)
            self.assertEqual(b"m2", body)
        finally:
            conn.close()

        self.assertIn("policy deleted", admin("delete", "policy", f"name={policy}"))
        self.assertNotIn(policy, [p["name"] for p in admin_json("list", "policies")])


if __name__ == "__main__":
    unittest.main(verbosity=2)
