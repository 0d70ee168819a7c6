#!/usr/bin/python3
"""MQTT 5.0 features with Debian's paho-mqtt: topic aliases both ways, the client's Maximum Packet
Size, the expiry interval left on delivery, and shared subscriptions (also fed over AMQP)."""

import os
import queue
import sys
import unittest

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402
import test_mqtt_basics as basics  # noqa: E402

MQTT_PORT = basics.MQTT_PORT
rc_value = basics.rc_value


class Client(basics.Client):
    """The basics' paho client with CONNECT and PUBLISH properties; its CONNACK's properties are kept."""

    def __init__(self, version=mqtt.MQTTv5, **connect_properties):
        super().__init__(version)
        self.properties = None
        if connect_properties:
            self.properties = Properties(PacketTypes.CONNECT)
            for name, value in connect_properties.items():
                setattr(self.properties, name, value)
        self.client.on_connect = lambda c, u, flags, rc, *rest: self.connack.put((rc, rest[0] if rest else None))

    def connect(self):
        extra = {"properties": self.properties} if self.version == mqtt.MQTTv5 else {}
        self.client.connect(ic.HOST, MQTT_PORT, keepalive=30, **extra)
        self.client.loop_start()
        return self.connack.get(timeout=ic.TIMEOUT)

    def subscribe(self, topic, qos=1):
        return [g if isinstance(g, int) else g.value for g in super().subscribe(topic, qos)]

    def publish(self, topic, payload, qos=1, **publish_properties):
        properties = None
        if publish_properties:
            properties = Properties(PacketTypes.PUBLISH)
            for name, value in publish_properties.items():
                setattr(properties, name, value)
        info = self.client.publish(topic, payload, qos, properties=properties)
        info.wait_for_publish(timeout=ic.TIMEOUT)
        assert info.is_published(), "publish to %s not acknowledged" % topic

    def take_all(self):
        taken = []
        while True:
            try:
                taken.append(self.messages.get_nowait())
            except queue.Empty:
                return taken


class Mqtt5Features(unittest.TestCase):
    def client(self, version=mqtt.MQTTv5, **connect_properties):
        c = Client(version, **connect_properties)
        rc, properties = c.connect()
        self.assertEqual(rc_value(rc), 0)
        c.connack_properties = properties
        self.addCleanup(c.close)
        return c

    def test_connack_announces_topic_aliases_and_shared_subscriptions(self):
        c = self.client()
        self.assertEqual(c.connack_properties.TopicAliasMaximum, 16)
        self.assertEqual(c.connack_properties.SharedSubscriptionAvailable, 1)

    def test_a_client_publishes_with_a_topic_alias(self):
        sub = self.client(mqtt.MQTTv311)
        topic = "interop/%s/alias" % sub.client_id
        sub.subscribe(topic)
        pub = self.client()
        pub.publish(topic, b"set", TopicAlias=2)
        pub.publish("", b"used", TopicAlias=2)
        first, second = sub.next(), sub.next()
        self.assertEqual((first.topic, first.payload), (topic, b"set"))
        self.assertEqual((second.topic, second.payload), (topic, b"used"))

    def test_deliveries_use_topic_aliases_when_the_client_allows_them(self):
        sub = self.client(TopicAliasMaximum=4)
        topic = "interop/%s/aliased" % sub.client_id
        sub.subscribe(topic)
        pub = self.client()
        pub.publish(topic, b"one")
        pub.publish(topic, b"two")
        first, second = sub.next(), sub.next()
        self.assertEqual((first.topic, first.properties.TopicAlias, first.payload), (topic, 1, b"one"))
        self.assertEqual((second.topic, second.properties.TopicAlias, second.payload), ("", 1, b"two"))

    def test_a_delivery_past_the_clients_maximum_packet_size_is_not_sent(self):
        sub = self.client(MaximumPacketSize=128)
        base = "interop/%s" % sub.client_id
        sub.subscribe(base + "/#")
        pub = self.client()
        pub.publish(base + "/big", b"x" * 500)
        pub.publish(base + "/small", b"fits")
        got = sub.next()
        self.assertEqual((got.topic, got.payload), (base + "/small", b"fits"))

    def test_a_delivery_carries_the_expiry_interval_it_has_left(self):
        sub = self.client()
        topic = "interop/%s/expiring" % sub.client_id
        sub.subscribe(topic)
        pub = self.client()
        pub.publish(topic, b"soon stale", MessageExpiryInterval=60)
        got = sub.next()
        self.assertTrue(1 <= got.properties.MessageExpiryInterval <= 60, got.properties.MessageExpiryInterval)

    def test_shared_subscribers_split_the_messages_and_a_plain_one_gets_all(self):
        plain = self.client(mqtt.MQTTv311)
        base = "interop/%s/jobs" % plain.client_id
        plain.subscribe(base + "/#")
        shared = "$share/g%s/%s/#" % (plain.client_id[-6:], base)
        first, second = self.client(), self.client()
        self.assertEqual(first.subscribe(shared), [1])
        self.assertEqual(second.subscribe(shared), [1])
        pub = self.client()
        for i in range(10):
            pub.publish("%s/%d" % (base, i), b"job %d" % i)
        everything = sorted(plain.next().payload for _ in range(10))
        got = {"first": [], "second": []}
        ic.wait_for(lambda: (got["first"].extend(m.payload for m in first.take_all()),
                             got["second"].extend(m.payload for m in second.take_all()),
                             len(got["first"]) + len(got["second"]) >= 10)[-1],
                    ic.TIMEOUT, "the ten jobs at the shared subscribers")
        self.assertEqual(sorted(got["first"] + got["second"]), everything)
        self.assertTrue(got["first"] and got["second"], got)

    def test_an_amqp_publish_reaches_a_shared_subscriber(self):
        sub = self.client()
        sub.subscribe("$share/amqp/interop/%s/+" % sub.client_id)
        conn = ic.connect()
        self.addCleanup(conn.close)
        ch = conn.channel()
        ch.basic_publish("amq.topic", "interop.%s.order" % sub.client_id, b"from amqp")
        got = sub.next()
        self.assertEqual((got.topic, got.payload), ("interop/%s/order" % sub.client_id, b"from amqp"))

    def test_an_invalid_share_name_is_refused(self):
        sub = self.client()
        self.assertEqual(sub.subscribe("$share//interop/x"), [0x8F])


if __name__ == "__main__":
    unittest.main(verbosity=2)
