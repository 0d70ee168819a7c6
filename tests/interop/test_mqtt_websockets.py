#!/usr/bin/python3
"""MQTT over WebSockets with Debian's paho-mqtt (transport="websockets", path /ws): 3.1.1 and 5.0
round trips, a message published over AMQP reaching a WebSocket subscriber, and a WebSocket
client taking over a TCP client's id."""

import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402
from test_mqtt_basics import VERSIONS, rc_value  # noqa: E402
import test_mqtt_basics  # noqa: E402

MQTT_WS_PORT = int(os.environ.get("COURIER_MQTT_WS_PORT", "15675"))


def Client(version, websockets=True, client_id=None):
    """The basics' paho client, over WebSockets (path /ws) unless told otherwise."""
    return test_mqtt_basics.Client(version, client_id=client_id, websockets_port=MQTT_WS_PORT if websockets else None)


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
