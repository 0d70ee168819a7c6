#!/usr/bin/python3
"""MQTT persistent sessions with Debian's paho-mqtt, 3.1.1 (clean session 0) and 5.0 (clean start 0,
Session Expiry Interval): messages published while the subscriber is away are delivered when it
returns, with Session Present set; a clean session discards them."""

import os
import queue
import sys
import unittest
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402

MQTT_PORT = int(os.environ.get("COURIER_MQTT_PORT", "1883"))
VERSIONS = {"3.1.1": mqtt.MQTTv311, "5.0": mqtt.MQTTv5}


class Session:
    """One connection of a client id: persistent (clean session 0 / clean start 0 with an hour's expiry) or clean."""

    def __init__(self, version, client_id, persistent):
        self.version = version
        kwargs = {"client_id": client_id, "protocol": version}
        if version != mqtt.MQTTv5:
            kwargs["clean_session"] = not persistent
        self.persistent = persistent
        self.client = mqtt.Client(**kwargs)
        self.messages = queue.Queue()
        self.connack = queue.Queue()
        self.acks = queue.Queue()
        self.client.on_message = lambda c, u, m: self.messages.put(m)
        self.client.on_connect = lambda c, u, flags, rc, *rest: self.connack.put((flags, rc))
        self.client.on_subscribe = lambda c, u, mid, granted, *rest: self.acks.put(mid)

    def connect(self):
        """Connects; returns CONNACK's session present flag."""
        if self.version == mqtt.MQTTv5:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = 3600 if self.persistent else 0
            self.client.connect(ic.HOST, MQTT_PORT, keepalive=30, clean_start=not self.persistent, properties=properties)
        else:
            self.client.connect(ic.HOST, MQTT_PORT, keepalive=30)
        self.client.loop_start()
        flags, rc = self.connack.get(timeout=ic.TIMEOUT)
        assert (rc.value if hasattr(rc, "value") else int(rc)) == 0, "connect refused: %s" % rc
        return bool(flags.get("session present"))

    def subscribe(self, topic):
        _, mid = self.client.subscribe(topic, 1)
        assert self.acks.get(timeout=ic.TIMEOUT) == mid

    def publish(self, topic, payload):
        info = self.client.publish(topic, payload, 1)
        info.wait_for_publish(timeout=ic.TIMEOUT)
        assert info.is_published(), "publish to %s not acknowledged" % topic

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


class MqttSessions(unittest.TestCase):
    def publish(self, version, topic, payloads):
        publisher = Session(version, "interop-pub-" + uuid.uuid4().hex[:8], persistent=False)
        publisher.connect()
        try:
            for payload in payloads:
                publisher.publish(topic, payload)
        finally:
            publisher.close()

    def subscribe_and_leave(self, version, prefix):
        """A new persistent session subscribes to its own topic and disconnects; returns its client id and topic."""
        client_id = prefix + uuid.uuid4().hex[:8]
        topic = "interop/sessions/" + client_id
        first = Session(version, client_id, persistent=True)
        self.assertFalse(first.connect(), "no session yet")
        first.subscribe(topic)
        first.close()
        return client_id, topic

    def end_session(self, version, client_id):
        """A clean session for the id ends the persistent one."""
        clean = Session(version, client_id, persistent=False)
        self.assertFalse(clean.connect())
        clean.close()

    def test_messages_wait_for_a_persistent_subscriber(self):
        for name, version in VERSIONS.items():
            with self.subTest(version=name):
                client_id, topic = self.subscribe_and_leave(version, "interop-keep-")

                sent = [("message %d" % i).encode() for i in range(3)]
                self.publish(version, topic, sent)

                back = Session(version, client_id, persistent=True)
                self.assertTrue(back.connect(), "session present")
                try:
                    received = [back.messages.get(timeout=ic.TIMEOUT) for _ in sent]
                    self.assertEqual([m.payload for m in received], sent)
                    self.assertEqual({m.topic for m in received}, {topic})
                finally:
                    back.close()
                self.end_session(version, client_id)

    def test_a_clean_session_discards_what_waited(self):
        for name, version in VERSIONS.items():
            with self.subTest(version=name):
                client_id, topic = self.subscribe_and_leave(version, "interop-drop-")
                self.publish(version, topic, [b"stale"])

                self.end_session(version, client_id)
                again = Session(version, client_id, persistent=True)
                self.assertFalse(again.connect(), "no session after a clean one")
                try:
                    again.subscribe(topic)
                    self.publish(version, topic, [b"marker"])
                    self.assertEqual(again.messages.get(timeout=ic.TIMEOUT).payload, b"marker")
                finally:
                    again.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
