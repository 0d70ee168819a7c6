#!/usr/bin/python3
"""Opens N idle MQTT 3.1.1 connections (clean session, keep-alive 60 s) to a running Courier over TCP or
over WebSockets (/ws, subprotocol mqtt) and prints the broker's resident memory before and after
(the lowest of five samples 2 s apart), for the per-connection figures in docs/benchmarks.md.

    bench/mqtt_idle_connections.py tcp|ws PORT N BROKER_PID
"""
import os, socket, struct, sys, time

mode, port, n, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])

def rss_kib():
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

def connect_packet(cid):
    cid = cid.encode()
    var = b"\x00\x04MQTT\x04\x02\x00\x3c"  # level 4, clean session, keep-alive 60
    payload = struct.pack(">H", len(cid)) + cid
    body = var + payload
    return bytes([0x10, len(body)]) + body

def ws_frame(data):
    mask = b"\x01\x02\x03\x04"
    return bytes([0x82, 0x80 | len(data)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))

def recv_until(s, pred, limit=1 << 16):
    buf = b""
    while not pred(buf):
        chunk = s.recv(4096)
        if not chunk:
            raise RuntimeError("closed: %r" % buf)
        buf += chunk
        if len(buf) > limit:
            raise RuntimeError("too much")
    return buf

time.sleep(2)
before = rss_kib()
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    pkt = connect_packet("idle-%s-%d" % (mode, i))
    if mode == "ws":
        s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n")
        recv_until(s, lambda b: b"\r\n\r\n" in b)
        s.sendall(ws_frame(pkt))
        recv_until(s, lambda b: len(b) >= 6)  # 2-byte frame header + 4-byte CONNACK
    else:
        s.sendall(pkt)
        recv_until(s, lambda b: len(b) >= 4)
    socks.append(s)
samples = []
for _ in range(5):
    time.sleep(2)
    samples.append(rss_kib())
after = min(samples)
print("%s: %d connections, RSS before %d KiB, after %d KiB, %.1f KiB per connection" % (mode, n, before, after, (after - before) / n))
for s in socks:
    s.close()
