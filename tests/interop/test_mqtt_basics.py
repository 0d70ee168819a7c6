#!/usr/bin/python3
"""MQTT 3.1.1 and 5.0 with Debian's paho-mqtt: connect, QoS 0 and 1 round trips, wildcards,
unsubscribe, refused logins, and MQTT <-> AMQP through amq.topic."""

import os
import queue
import sys
import unittest
import uuid

import paho.mqtt.client as mqtt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402

MQTT_PORT = int(os.environ.get("COURIER_MQTT_PORT", "1883"))
VERSIONS = {"3.1.1": mqtt.MQTTv311, "5.0": mqtt.MQTTv5}


class Client:
    """A paho client on its own network thread; what it receives lands in a queue."""

    def __init__(self, version, username=None, password=None, client_id=None, websockets_port=None):
        self.version = version
        self.client_id = client_id or "interop-" + uuid.uuid4().hex[:10]
        self.port = websockets_port or MQTT_PORT
        kwargs = {"client_id": self.client_id, "protocol": version,
                  "transport": "websockets" if websockets_port else "tcp"}
        if version != mqtt.MQTTv5:
            kwargs["clean_session"] = True
        self.client = mqtt.Client(**kwargs)
        if websockets_port:
            self.client.ws_set_options(path="/ws")
        if username is not None:
            self.client.username_pw_set(username, password)
        self.messages = queue.Queue()
        self.connack = queue.Queue()
        self.acks = queue.Queue()
        self.client.on_message = lambda c, u, m: self.messages.put(m)
        self.client.on_connect = lambda c, u, flags, rc, *rest: self.connack.put(rc)
        self.client.on_subscribe = lambda c, u, mid, granted, *rest: self.acks.put(("sub", mid, granted))
        self.client.on_unsubscribe = lambda c, u, mid, *rest: self.acks.put(("unsub", mid))
        self.disconnects = queue.Queue()
        self.client.on_disconnect = lambda c, u, rc, *rest: self.disconnects.put(rc)

    def connect(self):
        self.client.connect(ic.HOST, self.port, keepalive=30)
        self.client.loop_start()
        return self.connack.get(timeout=ic.TIMEOUT)

    def subscribe(self, topic, qos=1):
        _, mid = self.client.subscribe(topic, qos)
        kind, got_mid, granted = self.acks.get(timeout=ic.TIMEOUT)
        assert (kind, got_mid) == ("sub", mid)
        return granted

    def unsubscribe(self, topic):
        _, mid = self.client.unsubscribe(topic)
        assert self.acks.get(timeout=ic.TIMEOUT)[:2] == ("unsub", mid)

    def publish(self, topic, payload, qos=1):
        info = self.client.publish(topic, payload, qos)
        info.wait_for_publish(timeout=ic.TIMEOUT)
        assert info.is_published(), "publish to %s not acknowledged" % topic

    def next(self):
        return self.messages.get(timeout=ic.TIMEOUT)

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def rc_value(rc):
    return rc.value if hasattr(rc, "value") else int(rc)


class MqttBasics(unittest.TestCase):
    def client(self, version, **kwargs):
        c = Client(version, **kwargs)
        self.assertEqual(rc_value(c.connect()), 0)
        self.addCleanup(c.close)
        return c

    def test_round_trips_at_qos_0_and_1(self):
        for name, version in VERSIONS.items():
            with self.subTest(version=name):
                sub = self.client(version)
                topic = "interop/%s/temp" % sub.client_id
                granted = sub.subscribe(topic, qos=1)
                self.assertEqual(granted[0] if isinstance(granted[0], int) else granted[0].value, 1)
                pub = self.client(version)
                pub.publish(topic, b"zero", qos=0)
                pub.publish(topic, b"one", qos=1)
                first, second = sub.next(), sub.next()
                self.assertEqual((first.payload, first.qos), (b"zero", 0))
                self.assertEqual((second.payload, second.qos), (b"one", 1))
                self.assertEqual(second.topic, topic)

    def test_wildcards_and_unsubscribe(self):
        for name, version in VERSIONS.items():
            with self.subTest(version=name):
                sub = self.client(version)
                base = "interop/" + sub.client_id
                sub.subscribe(base + "/+/light")
                sub.subscribe(base + "/end")
                pub = self.client(version)
                pub.publish(base + "/kitchen/light", b"on")
                pub.publish(base + "/kitchen/oven/light", b"no match")
                pub.publish(base + "/end", b"end")
                self.assertEqual(sub.next().topic, base + "/kitchen/light")
                self.assertEqual(sub.next().topic, base + "/end")
                sub.unsubscribe(base + "/+/light")
                pub.publish(base + "/hall/light", b"unsubscribed")
                pub.publish(base + "/end", b"end again")
                self.assertEqual(sub.next().payload, b"end again")

    def test_bad_password_is_refused(self):
        for name, version in VERSIONS.items():
            with self.subTest(version=name):
                c = Client(version, username="guest", password="wrong")
                self.addCleanup(c.client.loop_stop)
                rc = rc_value(c.connect())
                self.assertEqual(rc, 4 if version == mqtt.MQTTv311 else 0x86)

    def test_mqtt_to_amqp_and_back(self):
        conn = ic.connect()
        self.addCleanup(conn.close)
        ch = conn.channel()
        q = ch.queue_declare(queue="", exclusive=True).method.queue
        ch.queue_bind(queue=q, exchange="amq.topic", routing_key="interop.*.status")
        for name, version in VERSIONS.items():
            with self.subTest(version=name):
                pub = self.client(version)
                pub.publish("interop/%s/status" % name, b"from mqtt", qos=1)
                got = [None]
                ic.wait_for(lambda: (got.__setitem__(0, ch.basic_get(q, auto_ack=True)) or got[0][0] is not None),
                            ic.TIMEOUT, "the MQTT message in the AMQP queue")
                method, props, body = got[0]
                self.assertEqual(method.routing_key, "interop.%s.status" % name.replace(".", "/"))
                self.assertEqual(body, b"from mqtt")

                sub = self.client(version)
                sub.subscribe("interop/amqp/" + sub.client_id)
                ch.basic_publish("amq.topic", "interop.amqp." + sub.client_id, b"from amqp")
                m = sub.next()
                self.assertEqual((m.topic, m.payload), ("interop/amqp/" + sub.client_id, b"from amqp"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
