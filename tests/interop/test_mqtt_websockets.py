#!/usr/bin/python3
"""MQTT over WebSockets with Debian's paho-mqtt (transport="websockets", path /ws): 3.1.1 and 5.0
round trips, a message published over AMQP reaching a WebSocket subscriber, and a WebSocket
client taking over a TCP client's id."""

import os
import queue
import sys
import unittest
import uuid

import paho.mqtt.client as mqtt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402

MQTT_PORT = int(os.environ.get("COURIER_MQTT_PORT", "1883"))
MQTT_WS_PORT = int(os.environ.get("COURIER_MQTT_WS_PORT", "15675"))
VERSIONS = {"3.1.1": mqtt.MQTTv311, "5.0": mqtt.MQTTv5}


class Client:
    """A paho client over WebSockets (or TCP) on its own network thread; what it receives lands in a queue."""

    def __init__(self, version, websockets=True, client_id=None):
        self.client_id = client_id or "interop-ws-" + uuid.uuid4().hex[:10]
        self.websockets = websockets
        kwargs = {"client_id": self.client_id, "protocol": version,
                  "transport": "websockets" if websockets else "tcp"}
        if version != mqtt.MQTTv5:
            kwargs["clean_session"] = True
        self.client = mqtt.Client(**kwargs)
        if websockets:
            self.client.ws_set_options(path="/ws")
        self.messages = queue.Queue()
        self.connack = queue.Queue()
        self.acks = queue.Queue()
        self.disconnects = queue.Queue()
        self.client.on_message = lambda c, u, m: self.messages.put(m)
        self.client.on_connect = lambda c, u, flags, rc, *rest: self.connack.put(rc)
        self.client.on_subscribe = lambda c, u, mid, granted, *rest: self.acks.put(("sub", mid, granted))
        self.client.on_disconnect = lambda c, u, rc, *rest: self.disconnects.put(rc)

    def connect(self):
        self.client.connect(ic.HOST, MQTT_WS_PORT if self.websockets else MQTT_PORT, keepalive=30)
        self.client.loop_start()
        return self.connack.get(timeout=ic.TIMEOUT)

    def subscribe(self, topic, qos=1):
        _, mid = self.client.subscribe(topic, qos)
        kind, got_mid, granted = self.acks.get(timeout=ic.TIMEOUT)
        assert (kind, got_mid) == ("sub", mid)
        return granted

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


class MqttWebSockets(unittest.TestCase):
    def client(self, version, **kwargs):
        c = Client(version, **kwargs)
        self.assertEqual(rc_value(c.connect()), 0)
        self.addCleanup(c.close)
        return c

    def test_round_trips_at_qos_0_and_1(self):
        for name, version in VERSIONS.items():
            with self.subTest(version=name):
                sub = self.client(version)
                topic = "interop/ws/%s" % sub.client_id
                sub.subscribe(topic, qos=1)
                pub = self.client(version)
                pub.publish(topic, b"zero", qos=0)
                pub.publish(topic, b"one" * 50000, qos=1)
                first, second = sub.next(), sub.next()
                self.assertEqual((first.payload, first.qos), (b"zero", 0))
                self.assertEqual((second.payload, second.qos), (b"one" * 50000, 1))

    def test_amqp_publish_reaches_a_websocket_subscriber(self):
        conn = ic.connect()
        self.addCleanup(conn.close)
        ch = conn.channel()
        for name, version in VERSIONS.items():
            with self.subTest(version=name):
                sub = self.client(version)
                sub.subscribe("interop/ws-amqp/" + sub.client_id)
                ch.basic_publish("amq.topic", "interop.ws-amqp." + sub.client_id, b"from amqp")
                m = sub.next()
                self.assertEqual((m.topic, m.payload), ("interop/ws-amqp/" + sub.client_id, b"from amqp"))

    def test_a_websocket_client_takes_over_a_tcp_clients_id(self):
        for name, version in VERSIONS.items():
            with self.subTest(version=name):
                client_id = "interop-roamer-" + uuid.uuid4().hex[:8]
                tcp = Client(version, websockets=False, client_id=client_id)
                self.assertEqual(rc_value(tcp.connect()), 0)
                self.addCleanup(tcp.client.loop_stop)
                ws = self.client(version, client_id=client_id)
                tcp.disconnects.get(timeout=ic.TIMEOUT)
                tcp.client.loop_stop()
                ws.subscribe("interop/roaming/" + client_id)
                pub = self.client(version)
                pub.publish("interop/roaming/" + client_id, b"to the websocket")
                self.assertEqual(ws.next().payload, b"to the websocket")


if __name__ == "__main__":
    unittest.main(verbosity=2)
