#!/usr/bin/env python3
"""Turns compare.sh's SUMMARY lines into the Markdown section of docs/benchmarks.md.

usage: compare_report.py RESULTS.jsonl MACHINE.json OUT.md

Every run is one JSON object (the perftest summary plus scenario, broker and run). The section
between <!-- compare:begin --> and <!-- compare:end --> in OUT.md is replaced (for a run with
--baseline, the section between <!-- compare-baseline:begin --> and <!-- compare-baseline:end -->);
the rest of the file is left as it is (a new file gets the markers). STOMP rows go between
<!-- compare-stomp:begin --> and <!-- compare-stomp:end --> instead, with their own copy of the
run's details; a section is only rewritten when the run has rows for it, so a STOMP-only run
(COMPARE_SCENARIOS= COMPARE_MQTT_SCENARIOS=) leaves the AMQP and MQTT tables alone, and the other
way round.
"""
import json
import statistics
import sys

BEGIN = "<!-- compare:begin -->"
END = "<!-- compare:end -->"
BEGIN_BASELINE = "<!-- compare-baseline:begin -->"
END_BASELINE = "<!-- compare-baseline:end -->"
BEGIN_STOMP = "<!-- compare-stomp:begin -->"
END_STOMP = "<!-- compare-stomp:end -->"

SCENARIOS = [
    ("durable-confirm", "Durable queue, persistent 256 B, confirms (window 1000), manual ack, prefetch 1000, 1 → 1"),
    ("durable-confirm-1000", "Durable queue, persistent 256 B, confirms, manual ack, 1 → 1, at a fixed 1,000 msg/s (latency after a 2 s warm-up)"),
    ("transient-autoack", "Transient 256 B, no confirms, auto-ack, 1 → 1"),
    ("fanout-10", "Fanout exchange → 10 queues → 10 consumers, transient 256 B, manual ack"),
    ("queues-50x50", "50 producers → 50 durable queues → 50 consumers, persistent 256 B, confirms (window 1000)"),
    ("backlog-publish", "Backlog: publish {backlog} persistent 256 B with nobody consuming (confirms, window 1000)"),
    ("backlog-drain", "Backlog: then drain it with one consumer (manual ack, prefetch 1000)"),
    ("ttl-dlx", "TTL 0 and dead-lettering: persistent 256 B, confirms (window 1000) into a durable queue nobody consumes, "
                "expired into a second durable queue drained by 1 consumer (manual ack)"),
    ("idle-connections", "{idle} idle connections, one channel each, on a freshly started broker"),
    ("mqtt-qos0-1to1", "MQTT QoS 0, 256 B, 1 → 1"),
    ("mqtt-qos1-1to1", "MQTT QoS 1 (100 in flight), 256 B, 1 → 1"),
    ("mqtt-qos1-1to1-persistent", "MQTT QoS 1 (100 in flight), 256 B, 1 → 1, subscriber in a persistent session (clean session 0: a durable queue on Courier; Mosquitto runs without persistence)"),
    ("mqtt-qos1-rate1000", "MQTT QoS 1 (100 in flight), 256 B, 1 → 1, at a fixed 1,000 msg/s (latency after a 2 s warm-up)"),
    ("mqtt-idle", "{mqtt_idle} idle MQTT 3.1.1 connections (clean session, no keep-alive) on a freshly started broker"),
    ("mqtt-qos0-1to100", "MQTT QoS 0, 256 B, 1 → 100 subscribers, {rate} msg/s published"),
    ("mqtt-qos1-1to100", "MQTT QoS 1 (100 in flight), 256 B, 1 → 100 subscribers, {rate} msg/s published"),
    ("stomp-receipts", "STOMP: persistent 256 B SENDs to a durable /queue/, each waiting for its RECEIPT (window 1000); "
                       "subscriber ack:client (cumulative), prefetch 1000, 1 → 1"),
    ("stomp-autoack", "STOMP: 256 B SENDs without receipts to a /queue/, subscriber ack:auto, 1 → 1"),
    ("stomp-fanout-10", "STOMP: 256 B SENDs without receipts to a /topic/, 10 subscribers (ack:client, prefetch 1000): 1 → 10"),
]


def per_message_cpu(r):
    messages = max(r.get("received") or 0, r.get("sent") or 0)
    cpu = r.get("broker_cpu_s")
    return cpu * 1e6 / messages if cpu is not None and messages else None


def opened_per_second(r):
    seconds = r.get("idle_open_s")
    return r["idle_opened"] / seconds if seconds else None


def mib(key):
    return lambda r: r[key] / 1024 if r.get(key) is not None else None


# (label, higher is better?, value of one run); None for "better" means no ratio is shown.
SENT = ("sent msg/s ↑", True, lambda r: r["sent_msgs_per_s"])
RECEIVED = ("received msg/s ↑", True, lambda r: r["received_msgs_per_s"])
P50 = ("latency p50 µs ↓", False, lambda r: r["latency_p50_us"])
P99 = ("latency p99 µs ↓", False, lambda r: r["latency_p99_us"])
P999 = ("latency p99.9 µs ↓", False, lambda r: r["latency_p999_us"])
CPU = ("broker CPU µs/msg ↓", False, per_message_cpu)
PEAK = ("broker peak RSS MiB ↓", False, mib("broker_rss_peak_kb"))
TOOL = ("perftest CPU % of one core", None, lambda r: r["tool_cpu_pct"])
PER_CONNECTION = ("broker RSS per connection KiB ↓", False, lambda r: r.get("idle_rss_per_connection_kb"))
OPEN_RATE = ("connections opened/s ↑", True, opened_per_second)
RSS_AFTER = ("broker RSS with them open MiB ↓", False, mib("idle_rss_after_kb"))
FSYNCS = ("broker fsyncs/s", None, lambda r: r.get("fsyncs_per_s"))
PER_FSYNC = ("messages per fsync", None,
             lambda r: r["sent_msgs_per_s"] / r["fsyncs_per_s"] if r.get("fsyncs_per_s") else None)

THROUGHPUT = [SENT, RECEIVED, P50, P99, P999, CPU, PEAK, TOOL]
METRICS = {
    "durable-confirm": THROUGHPUT + [FSYNCS, PER_FSYNC],
    "queues-50x50": THROUGHPUT + [FSYNCS, PER_FSYNC],
    "ttl-dlx": THROUGHPUT + [FSYNCS, PER_FSYNC],
    "stomp-receipts": THROUGHPUT + [FSYNCS, PER_FSYNC],
    "backlog-publish": [SENT, CPU, PEAK, TOOL],
    "backlog-drain": [RECEIVED, CPU, PEAK, TOOL],
    "idle-connections": [PER_CONNECTION, RSS_AFTER, OPEN_RATE],
    "mqtt-idle": [PER_CONNECTION, RSS_AFTER, OPEN_RATE],
}

PEER_NAMES = {"rabbitmq": "RabbitMQ", "mosquitto": "Mosquitto", "baseline": "baseline", "activemq": "ActiveMQ"}


def fmt(value):
    if value is None:
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def cell(values):
    values = [v for v in values if v is not None]
    if not values:
        return "–", None
    median = statistics.median(values)
    if len(values) == 1:
        return fmt(median), median
    return f"{fmt(median)} ({fmt(min(values))}–{fmt(max(values))})", median


def loss_cell(runs):
    if not runs:
        return "–"
    if all(r.get("lost") is None for r in runs):
        return "n/a"
    lost = sum(r.get("lost") or 0 for r in runs)
    duplicated = sum(r.get("duplicated") or 0 for r in runs)
    return f"{lost:,} / {duplicated:,}"


def ratio(courier, peer, higher_is_better):
    if higher_is_better is None or courier is None or peer in (None, 0):
        return ""
    r = courier / peer
    better = r > 1 if higher_is_better else r < 1
    return f"**{r:.2f}×**" if better else f"{r:.2f}×"


def best_of(medians, higher_is_better):
    """The best of the peers' medians: the highest where higher is better, else the lowest."""
    values = [m for m in medians if m is not None]
    if not values or higher_is_better is None:
        return None
    return max(values) if higher_is_better else min(values)


def table(results, scenarios, brokers, machine):
    """One row per metric; the ratio is Courier's median over the first peer's, or with several
    peers over the best peer's median for that metric."""
    header_brokers = [("courier", "Courier")] + [(b, PEER_NAMES[b]) for b in brokers]
    against = PEER_NAMES[brokers[0]] if len(brokers) == 1 else "best of " + " and ".join(PEER_NAMES[b] for b in brokers)
    lines = ["| Scenario | Metric | " + " | ".join(name for _, name in header_brokers) + " | Courier / " + against + " |",
             "|---|---|" + "---:|" * (len(header_brokers) + 1)]
    for key, title in scenarios:
        runs = {b: [r for r in results if r["scenario"] == key and r["broker"] == b] for b, _ in header_brokers}
        if not any(runs.values()):
            continue
        title = title.format(backlog=f"{machine['backlog']:,}", idle=f"{machine['idle']:,}", rate=f"{machine['mqtt_fanout_rate']:,}",
                             mqtt_idle=f"{machine.get('mqtt_idle', 0):,}")
        first = True
        for label, higher, value in METRICS.get(key, THROUGHPUT):
            medians = {}
            cells = []
            for b, _ in header_brokers:
                text, medians[b] = cell([value(r) for r in runs[b]])
                cells.append(text)
            peer = best_of([medians[b] for b in brokers], higher) if len(brokers) > 1 else medians[brokers[0]]
            lines.append(f"| {title if first else ''} | {label} | " + " | ".join(cells) + f" | {ratio(medians['courier'], peer, higher)} |")
            first = False
        if key not in ("idle-connections", "mqtt-idle", "backlog-publish"):
            cells = [loss_cell(runs[b]) for b, _ in header_brokers]
            lines.append("| | lost / duplicated (all runs) | " + " | ".join(cells) + " | |")
    return lines


def main():
    results_path, machine_path, out_path = sys.argv[1:4]
    with open(results_path, encoding="utf-8") as f:
        results = [json.loads(line) for line in f if line.strip()]
    with open(machine_path, encoding="utf-8") as f:
        machine = json.load(f)

    baseline = machine.get("peer") == "baseline"
    begin, end = (BEGIN_BASELINE, END_BASELINE) if baseline else (BEGIN, END)
    amqp = [s for s in SCENARIOS if not s[0].startswith(("mqtt", "stomp"))]
    mqtt = [s for s in SCENARIOS if s[0].startswith("mqtt")]
    stomp = [s for s in SCENARIOS if s[0].startswith("stomp")]
    stomp_results = [r for r in results if r["scenario"].startswith("stomp")]
    other_results = [r for r in results if not r["scenario"].startswith("stomp")]
    text = read(out_path, begin, end)
    if other_results:
        text = replace(text, begin, end, main_section(other_results, machine, baseline, amqp, mqtt))
    if stomp_results:
        text = replace(text, BEGIN_STOMP, END_STOMP, stomp_section(stomp_results, machine, stomp))
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)


def run_details(machine, baseline=False, order="Courier and the peer alternating (A B A B …)"):
    """The lines that say how, when and on what a run was made."""
    quick = machine["quick"] == 1
    section = []
    if quick:
        section += ["### Latest run: a quick smoke run (`bench/compare.sh --quick`), not a benchmark", "",
                    f"One pair of {machine['duration']} s runs per scenario with small counts: it shows every scenario works "
                    "end to end; the numbers are indicative only.", ""]
    else:
        section += ["### Latest run", "",
                    f"{machine['pairs']} pairs of {machine['duration']} s runs per scenario, {order}; each cell is the median, with the range over the runs in brackets.", ""]
    if baseline:
        section += ["A before/after run: the same scenarios against this build and against Courier built from "
                    f"`{machine['baseline']}` (the baseline), alternating.", ""]
    section += [
        f"- When: {machine['started']}; Courier {machine['courier']}" + (f", baseline {machine['baseline']}" if baseline else ""),
        f"- Machine: {machine['nproc']} × {machine['cpu']}, {machine['memory']}, {machine['kernel']}; "
        f"load average at start {machine['load']}",
        f"- .NET SDK {machine['dotnet']}; RabbitMQ {machine['rabbitmq']} (Erlang {machine['erlang']}); Mosquitto {machine['mosquitto']}",
        "- Load generator's AMQP client: " + ("the lean client (`--client lean`)" if machine.get("amqp_client", "lean") == "lean"
                                                else "RabbitMQ.Client 7.x (`--client rabbitmq`)"),
        f"- Disk under the data directories (fio, sequential writes, each followed by fsync when appending to a file as a journal does, by fdatasync when overwriting a laid-out file): {machine.get('disk', 'not measured')}",
        "",
    ]
    return section


def main_section(results, machine, baseline, amqp, mqtt):
    section = run_details(machine, baseline)
    if baseline:
        section += ["#### AMQP 0-9-1: this build and the baseline", "",
                    "↑ higher is better, ↓ lower is better; the ratio is this build's median over the baseline's.", ""]
        section += table(results, amqp, ["baseline"], machine)
    else:
        section += ["#### AMQP 0-9-1: Courier and RabbitMQ", "",
                    "↑ higher is better, ↓ lower is better; the ratio is Courier's median over RabbitMQ's, in bold where Courier is better.", ""]
        section += table(results, amqp, ["rabbitmq"], machine)
        # A partial run (COMPARE_MQTT_SCENARIOS=) has no MQTT rows: no empty table for them.
        if any(r["broker"] == "mosquitto" for r in results):
            section += ["", "#### MQTT: Courier and Mosquitto", "",
                        "↑ higher is better, ↓ lower is better; the ratio is Courier's median over Mosquitto's, in bold where Courier is better. "
                        "Load generator's MQTT client: " + ("the lean client (`--client lean`)." if machine.get("mqtt_client", "lean") == "lean"
                                                              else "MQTTnet 5 (`--client mqttnet`)."), ""]
            section += table(results, mqtt, ["mosquitto"], machine)

    return section + errors_of(results)


def stomp_section(results, machine, stomp):
    section = run_details(machine, order="Courier, RabbitMQ and ActiveMQ in turn (A B C A B C …)")
    section += [f"- ActiveMQ {machine.get('activemq', 'unknown')} ({machine.get('java', 'java')}), RabbitMQ's `rabbitmq_stomp` plugin; "
                "the load generator's lean STOMP 1.2 client for all three", ""]
    if not machine.get("courier_stomp", False):
        section += ["This Courier build had no STOMP listener: the rows show the two peers only.", ""]
    section += ["#### STOMP: Courier, RabbitMQ and ActiveMQ", "",
                "↑ higher is better, ↓ lower is better; the ratio is Courier's median over the better of the two peers' medians "
                "(for each metric), in bold where Courier is better.", ""]
    section += table(results, stomp, ["rabbitmq", "activemq"], machine)
    return section + errors_of(results)


def errors_of(results):
    errors = [(r["scenario"], r["broker"], r["run"], e) for r in results for e in r.get("errors", [])]
    if not errors:
        return []
    return ["", "Errors reported by runs:", ""] + [f"- {s} / {b} #{n}: {e}" for s, b, n, e in errors[:20]]


def read(out_path, begin, end):
    try:
        with open(out_path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return f"# Benchmarks\n\n{begin}\n{end}\n"


def replace(text, begin, end, section):
    """Puts section between the markers, adding them at the end when the text has none."""
    if begin not in text or end not in text:
        text = text.rstrip("\n") + f"\n\n{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return head + "\n".join([begin, ""] + section + ["", end]) + tail


if __name__ == "__main__":
    main()
