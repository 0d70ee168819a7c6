#!/usr/bin/python3
"""Builds a data directory with Courier 3b12d1b (the last headerless journal format).

usage: make_fixture.py <courier.dll> <data-dir> <clean|sigkill>
"""
import datetime, decimal, os, signal, socket, subprocess, sys, time
import pika

dll, data_dir, mode = sys.argv[1], sys.argv[2], sys.argv[3]

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]

proc = subprocess.Popen(["dotnet", dll, "--amqp-address", "127.0.0.1", "--amqp-port", str(port),
                         "--data-dir", data_dir, "--Storage:SegmentSizeMiB", "1"],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
for line in proc.stdout:
    if "Listening for AMQP" in line:
        break

conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
ch = conn.channel()
ch.confirm_delivery()
ch.exchange_declare("fixture.fanout", "fanout", durable=True)
ch.queue_declare("fixture.a", durable=True, arguments={"x-max-length": 1000})
ch.queue_declare("fixture.b", durable=True)
ch.queue_bind("fixture.b", "fixture.fanout")
ch.queue_bind("fixture.a", "fixture.fanout")

def publish(exchange, key, n, **props):
    props.setdefault("delivery_mode", 2)
    ch.basic_publish(exchange, key, ("body-%d" % n).encode() * n, pika.BasicProperties(**props))

headers = {
    "s": "text", "i": -7, "l": 2**40, "b": True, "n": None,
    "t": {"inner": "x", "deep": {"k": 3}}, "a": ["one", 2, False],
    "d": decimal.Decimal("12.34"), "ts": datetime.datetime(2026, 1, 2, 3, 4, 5),
    "bytes": b"\x00\x01\xff",
}
publish("", "fixture.a", 1, content_type="text/plain")
publish("", "fixture.a", 2, content_type="application/json", content_encoding="gzip", headers=headers,
        priority=5, correlation_id="corr-2", reply_to="replies", message_id="id-2",
        timestamp=1767225600, type="kind", user_id="guest", app_id="fixture", cluster_id="c1")
publish("", "fixture.a", 3, headers={"x-seq": 3})
publish("", "fixture.a", 99, delivery_mode=1)  # transient: must not come back
publish("fixture.fanout", "", 4, headers={"both": "yes"}, message_id="id-4")
publish("", "fixture.b", 5, content_type="text/plain", message_id="id-5")
publish("", "fixture.a", 6, message_id="id-6")

# Message 1 is acknowledged (settled); message 2 is delivered and returned unacknowledged,
# so it comes back with redelivered set.
c2 = conn.channel()
m, _, _ = c2.basic_get("fixture.a", auto_ack=False)
c2.basic_ack(m.delivery_tag)
m, _, _ = c2.basic_get("fixture.a", auto_ack=False)
c2.close()
# b: message 4 is delivered and returned; message 5 stays untouched.
c3 = conn.channel()
m, _, _ = c3.basic_get("fixture.b", auto_ack=False)
c3.close()

# A last confirmed publish: a commit takes every deferred settle and delivered record with it.
publish("", "fixture.a", 7, message_id="id-7")
conn.close()

if mode == "clean":
    proc.send_signal(signal.SIGTERM)
else:
    proc.send_signal(signal.SIGKILL)
proc.wait(30)
if mode == "sigkill":
    # What a crash mid-write leaves: the start of a record whose length runs past the file's end.
    with open(os.path.join(data_dir, "journal", "00000001.seg"), "ab") as f:
        f.write((200).to_bytes(4, "little") + b"\x5a" * 26)
print("exit", proc.returncode)
