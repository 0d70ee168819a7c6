#!/usr/bin/python3
"""TLS with Debian's pika and paho-mqtt: AMQPS with the test CA (ssl_options), SASL EXTERNAL with a
client certificate whose CN is guest, a plaintext AMQP client refused on the AMQPS port, and MQTT
over TLS. The runner (run.sh) makes the CA and the certificates with openssl and starts the broker
with --tls-verify peer; without COURIER_AMQPS_PORT and COURIER_TLS_CA the test skips."""

import os
import queue
import socket
import ssl
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402
import paho.mqtt.client as mqtt  # noqa: E402
import pika  # noqa: E402

AMQPS_PORT = int(os.environ.get("COURIER_AMQPS_PORT", "0"))
MQTTS_PORT = int(os.environ.get("COURIER_MQTTS_PORT", "0"))
CA = os.environ.get("COURIER_TLS_CA")
CLIENT_CERT = os.environ.get("COURIER_TLS_CLIENT_CERT")
CLIENT_KEY = os.environ.get("COURIER_TLS_CLIENT_KEY")


def tls_context(client_certificate=False):
    context = ssl.create_default_context(cafile=CA)
    if client_certificate:
        context.load_cert_chain(CLIENT_CERT, CLIENT_KEY)
    return context


def amqps_params(credentials, client_certificate=False):
    return pika.ConnectionParameters(
        host=ic.HOST,
        port=AMQPS_PORT,
        virtual_host="/",
        credentials=credentials,
        ssl_options=pika.SSLOptions(tls_context(client_certificate), "localhost"),
        connection_attempts=1,
        socket_timeout=10,
        stack_timeout=15,
    )


@unittest.skipUnless(AMQPS_PORT and CA, "no TLS broker (COURIER_AMQPS_PORT, COURIER_TLS_CA)")
class Tls(unittest.TestCase):
    def round_trip(self, connection):
        channel = connection.channel()
        name = ic.unique("tls")
        channel.queue_declare(name, exclusive=True)
        channel.basic_publish("", name, b"over tls")
        body = None
        for _ in range(500):
            _, _, body = channel.basic_get(name, auto_ack=True)
            if body is not None:
                break
            connection.sleep(0.01)
        self.assertEqual(body, b"over tls")

    def test_pika_publishes_and_consumes_over_amqps(self):
        connection = pika.BlockingConnection(amqps_params(pika.PlainCredentials("guest", "guest")))
        self.addCleanup(connection.close)
        self.round_trip(connection)
        self.assertTrue(connection.is_open)

    @unittest.skipUnless(CLIENT_CERT and CLIENT_KEY, "no client certificate (COURIER_TLS_CLIENT_CERT/KEY)")
    def test_pika_logs_in_with_EXTERNAL_as_the_client_certificate_s_CN(self):
        connection = pika.BlockingConnection(amqps_params(pika.credentials.ExternalCredentials(), client_certificate=True))
        self.addCleanup(connection.close)
        self.round_trip(connection)

    def test_pika_without_a_client_certificate_cannot_use_EXTERNAL(self):
        with self.assertRaises(pika.exceptions.AMQPConnectionError):
            pika.BlockingConnection(amqps_params(pika.credentials.ExternalCredentials()))

    def test_a_plaintext_AMQP_client_on_the_AMQPS_port_gets_no_connection_start(self):
        with socket.create_connection((ic.HOST, AMQPS_PORT), timeout=10) as raw:
            raw.sendall(b"AMQP\x00\x00\x09\x01")
            answer = b""
            try:
                while len(answer) < 65536:
                    chunk = raw.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
            except ConnectionResetError:
                pass
        # Nothing, or a TLS alert (content type 21); never an AMQP method frame (type 1).
        self.assertTrue(answer == b"" or answer[0] == 0x15, answer[:16])

    @unittest.skipUnless(MQTTS_PORT, "no MQTT over TLS port (COURIER_MQTTS_PORT)")
    def test_paho_round_trip_over_mqtts(self):
        received = queue.Queue()
        connected = queue.Queue()
        client = mqtt.Client(client_id="tls-" + uuid.uuid4().hex[:10], protocol=mqtt.MQTTv311)
        client.tls_set_context(tls_context())
        client.on_connect = lambda c, u, f, rc, *rest: connected.put(rc)
        client.on_message = lambda c, u, m: received.put((m.topic, m.payload))
        client.connect(ic.HOST, MQTTS_PORT, keepalive=30)
        client.loop_start()
        self.addCleanup(client.loop_stop)
        self.addCleanup(client.disconnect)
        self.assertEqual(connected.get(timeout=ic.TIMEOUT), 0)
        topic = "interop/tls/" + uuid.uuid4().hex[:10]
        _, mid = client.subscribe(topic, qos=1)
        info = client.publish(topic, b"mqtts", qos=1)
        info.wait_for_publish(timeout=ic.TIMEOUT)
        self.assertEqual(received.get(timeout=ic.TIMEOUT), (topic, b"mqtts"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
