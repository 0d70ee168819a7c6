using System.Buffers;
using Courier.Amqp091.Framing;
using Courier.Core.Messages;
using Courier.Core.Storage;
using Courier.Mqtt.Packets;
using Courier.Storage;
using Courier.Storage.Definitions;
using Courier.Storage.Devices;
using Courier.Storage.Format;
using Courier.Storage.Journal;
using Courier.Stomp.Frames;
using Microsoft.Extensions.Logging.Abstractions;

namespace Courier.Fuzz;

/// <summary>
/// The seed corpus (fuzz/corpus/&lt;target&gt;/), written by the codecs' and the store's own writers
/// so every seed is an input the broker really reads. Regenerate with <c>Courier.Fuzz --seed fuzz/corpus</c>.
/// </summary>
internal static class SeedCorpus
{
    public static void Write(string root)
    {
        Save(root, "amqp-frames", "session", Amqp(pieceSelector: 63));
        Save(root, "amqp-frames", "session-split", Amqp(pieceSelector: 6));
        Save(root, "amqp-table", "arguments", AmqpTable());
        Save(root, "mqtt-packets", "v311-session", Mqtt(MqttProtocolVersion.V311));
        Save(root, "mqtt-packets", "v5-session", Mqtt(MqttProtocolVersion.V500));
        Save(root, "mqtt-packets", "v31-connect", Mqtt(MqttProtocolVersion.V310));
        Save(root, "stomp-frames", "v12-session", Stomp(StompVersion.V12, selector: 0xBF));
        Save(root, "stomp-frames", "v10-session-split", Stomp(StompVersion.V10, selector: 0x05));
        Save(root, "stored-message", "neutral", StoredMessageBytes());
        Save(root, "journal-recovery", "messages-settles", JournalRecords());
        Save(root, "definitions", "definitions", DefinitionsJson());
        Save(root, "websocket-frames", "mqtt-over-websocket", WebSocketFrames(selector: 63));
        Save(root, "websocket-frames", "mqtt-over-websocket-split", WebSocketFrames(selector: 2));
        Save(root, "delayed-records", "declared-scheduled-routed", DelayedRecords());
        Save(root, "keyed-log", "retained-and-sessions", KeyedLogRecords());
        foreach (var (name, selector, json) in ManagementBodies)
        {
            Save(root, "management-bodies", "put-" + name, [selector, .. System.Text.Encoding.UTF8.GetBytes(json)]);
        }
    }

    /// <summary>A body per kind the management target knows (its first byte, modulo 7, picks the kind).</summary>
    private static readonly (string Name, byte Selector, string Json)[] ManagementBodies =
    [
        ("queue", 0, """{"durable":true,"auto_delete":false,"arguments":{"x-max-length":10,"x-message-ttl":60000,"x-dead-letter-exchange":"dlx","x-queue-mode":"lazy"}}"""),
        ("exchange", 1, """{"type":"topic","durable":true,"auto_delete":false,"internal":false,"arguments":{"alternate-exchange":"ae"}}"""),
        ("binding", 2, """{"routing_key":"a.*.#","arguments":{"x-match":"any","h":1}}"""),
        ("policy", 3, """{"pattern":"^q","definition":{"max-length":100,"message-ttl":1000,"dead-letter-exchange":"dlx"},"priority":1,"apply-to":"queues"}"""),
        ("user", 4, """{"password":"secret","tags":"administrator,monitoring"}"""),
        ("permission", 5, """{"configure":".*","write":"^amq\\.","read":""}"""),
        ("topic-permission", 6, """{"exchange":"amq.topic","write":"^a\\.","read":".*"}"""),
    ];

    /// <summary>A delayed exchange declared, two messages scheduled, one routed, as the delayed store journals them.</summary>
    private static byte[] DelayedRecords()
    {
        var device = new MemoryJournalDevice();
        var index = Path.Combine(Path.GetTempPath(), "courier-fuzz-seed-delayed-" + Guid.NewGuid().ToString("N"));
        using (var store = new JournalMessageStore(device, new JournalOptions(), NullLogger.Instance))
        {
            var delayed = new Storage.Delayed.DelayedMessageStore(store, index);
            _ = store.Recover();
            var key = delayed.Declare("/", "delayed");
            _ = delayed.Schedule(key, StorageTargets.SampleMessage("soon"), dueAt: 1_000);
            _ = delayed.Schedule(key, StorageTargets.SampleMessage("later"), dueAt: 5_000);
            if (delayed.TryTakeDue(2_000, out var due))
            {
                delayed.Complete(due);
            }

            var other = delayed.Declare("/", "gone");
            delayed.Forget(other);
        }

        Directory.Delete(index, recursive: true);
        return RecordsOf(device);
    }

    /// <summary>A retained message put and one cleared, a session's QoS 2 deliveries and its received ids.</summary>
    private static byte[] KeyedLogRecords()
    {
        using var output = new MemoryStream();
        var retained = new Courier.Mqtt.Retained.RetainedRecord(MqttQos.AtLeastOnce, 1_700_000_000_000, new MqttProperties { ContentType = "text/plain", MessageExpiryInterval = 60 }, "kept"u8.ToArray());
        DataDirectoryTargets.AppendKeyedRecord(output, FileKeyedLogPut, "sensors/1", retained.Encode());
        DataDirectoryTargets.AppendKeyedRecord(output, FileKeyedLogPut, "sensors/2", retained.Encode());
        DataDirectoryTargets.AppendKeyedRecord(output, FileKeyedLogRemove, "sensors/2", []);
        var deliveries = new Dictionary<ushort, Courier.Mqtt.Server.MqttQos2Delivery> { [1] = new("mqtt-subscription-c1qos2", 42, Released: false), [7] = new("q", 43, Released: true) };
        DataDirectoryTargets.AppendKeyedRecord(output, FileKeyedLogPut, "client-1", Courier.Mqtt.Server.MqttQos2Deliveries.Encode(deliveries));
        DataDirectoryTargets.AppendKeyedRecord(output, FileKeyedLogPut, "\0received\0client-1", Courier.Mqtt.Server.MqttQos2Deliveries.EncodeReceived([3, 9]));
        return output.ToArray();
    }

    private const byte FileKeyedLogPut = Storage.Keyed.FileKeyedLog.PutRecord;
    private const byte FileKeyedLogRemove = Storage.Keyed.FileKeyedLog.RemoveRecord;

    private static void Save(string root, string target, string name, byte[] bytes)
    {
        var directory = Path.Combine(root, target);
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, name), bytes);
    }

    private static byte[] Amqp(byte pieceSelector)
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write([pieceSelector]);
        output.Write(AmqpFrameReader.ProtocolHeader);
        AmqpFrameWriter.WriteMethod(output, 0, new ConnectionStartOk
        {
            ClientProperties = new Dictionary<string, object?> { ["product"] = "fuzz"u8.ToArray(), ["capabilities"] = new Dictionary<string, object?> { ["publisher_confirms"] = true } },
            Response = "\0guest\0guest"u8.ToArray(),
        });
        AmqpFrameWriter.WriteMethod(output, 0, new ConnectionTuneOk { ChannelMax = 2047, FrameMax = 131072, Heartbeat = 60 });
        AmqpFrameWriter.WriteMethod(output, 0, new ConnectionOpen { VirtualHost = "/" });
        AmqpFrameWriter.WriteMethod(output, 1, new ChannelOpen());
        AmqpFrameWriter.WriteMethod(output, 1, new ExchangeDeclare { Exchange = "x", Type = "topic", Durable = true });
        AmqpFrameWriter.WriteMethod(output, 1, new QueueDeclare
        {
            Queue = "q",
            Durable = true,
            Arguments = new Dictionary<string, object?> { ["x-max-length"] = 10, ["x-message-ttl"] = 60000L, ["x-dead-letter-exchange"] = "dlx"u8.ToArray() },
        });
        AmqpFrameWriter.WriteMethod(output, 1, new QueueBind { Queue = "q", Exchange = "x", RoutingKey = "a.#" });
        AmqpFrameWriter.WriteMethod(output, 1, new BasicQos { PrefetchCount = 10 });
        AmqpFrameWriter.WriteMethod(output, 1, new ConfirmSelect());
        AmqpFrameWriter.WriteMethod(output, 1, new BasicPublish { Exchange = "x", RoutingKey = "a.b" });
        var body = "hello"u8;
        AmqpFrameWriter.WriteContentHeader(output, 1, 60, (ulong)body.Length, new MessageProperties
        {
            ContentType = "text/plain",
            Persistence = DeliveryPersistence.Persistent,
            Headers = new Dictionary<string, object?> { ["h"] = 1.5, ["list"] = new List<object?> { 1, "x"u8.ToArray() } },
            MessageId = "m-1",
            Timestamp = new Timestamp(1_700_000_000),
        });
        AmqpFrameWriter.WriteBody(output, 1, body, 131072);
        AmqpFrameWriter.WriteMethod(output, 1, new BasicConsume { Queue = "q", ConsumerTag = "c" });
        AmqpFrameWriter.WriteMethod(output, 1, new BasicAck { DeliveryTag = 1, Multiple = true });
        AmqpFrameWriter.WriteHeartbeat(output);
        AmqpFrameWriter.WriteMethod(output, 1, new ChannelClose { ReplyCode = 200, ReplyText = "bye" });
        AmqpFrameWriter.WriteMethod(output, 0, new ConnectionClose { ReplyCode = 200, ReplyText = "bye" });
        return output.WrittenSpan.ToArray();
    }

    private static byte[] AmqpTable()
    {
        var output = new ArrayBufferWriter<byte>();
        AmqpFrameWriter.WriteMethod(output, 1, new QueueDeclare
        {
            Arguments = new Dictionary<string, object?>
            {
                ["i"] = 1, ["l"] = 2L, ["b"] = true, ["d"] = 1.5, ["s"] = "text"u8.ToArray(), ["v"] = null,
                ["t"] = new Dictionary<string, object?> { ["n"] = (short)3 }, ["a"] = new List<object?> { (byte)1, 2.5f },
            },
        });

        // The table is the last argument of queue.declare: ids (4), ticket (2), empty name (1), flags (1).
        return output.WrittenSpan[(AmqpFrameReader.HeaderSize + 8)..^1].ToArray();
    }

    private static byte[] Mqtt(MqttProtocolVersion version)
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write([(byte)(version == MqttProtocolVersion.V500 ? 63 : 4)]);
        var v5 = version == MqttProtocolVersion.V500;
        MqttPacketWriter.Write(output, new MqttConnect
        {
            ProtocolVersion = version,
            CleanStart = true,
            KeepAlive = 30,
            ClientId = "fuzz",
            UserName = "guest",
            Password = "guest"u8.ToArray(),
            Will = new MqttWill { Topic = "will/t", Payload = "gone"u8.ToArray(), QoS = MqttQos.AtLeastOnce },
            Properties = v5 ? new MqttProperties { SessionExpiryInterval = 60, ReceiveMaximum = 10 } : null,
        }, version);
        if (version == MqttProtocolVersion.V310)
        {
            return output.WrittenSpan.ToArray();
        }

        MqttPacketWriter.Write(output, new MqttSubscribe
        {
            PacketId = 1,
            Subscriptions = [new MqttSubscription("a/+/c", MqttQos.ExactlyOnce), new MqttSubscription("#", MqttQos.AtMostOnce)],
        }, version);
        MqttPacketWriter.Write(output, new MqttPublish
        {
            Topic = "a/b/c",
            QoS = MqttQos.AtLeastOnce,
            PacketId = 2,
            Payload = "hello"u8.ToArray(),
            Properties = v5 ? new MqttProperties { ContentType = "text/plain", MessageExpiryInterval = 30, CorrelationData = [1, 2] } : null,
        }, version);
        MqttPacketWriter.Write(output, new MqttPublish { Topic = "a/b/c", QoS = MqttQos.ExactlyOnce, PacketId = 3, Retain = true, Payload = "x"u8.ToArray() }, version);
        MqttPacketWriter.Write(output, new MqttPubRel { PacketId = 3 }, version);
        MqttPacketWriter.Write(output, new MqttPubAck { PacketId = 7 }, version);
        MqttPacketWriter.Write(output, new MqttUnsubscribe { PacketId = 4, Filters = ["#"] }, version);
        MqttPacketWriter.Write(output, MqttPingReq.Instance, version);
        MqttPacketWriter.Write(output, MqttDisconnect.Normal, version);
        return output.WrittenSpan.ToArray();
    }

    private static byte[] Stomp(StompVersion version, byte selector)
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write([selector]);
        StompFrameWriter.Write(output, new StompFrame(StompCommand.Connect, [new("accept-version", "1.0,1.1,1.2"), new("host", "/"), new("login", "guest"), new("passcode", "guest"), new("heart-beat", "10000,0")]), StompVersion.V12);
        StompFrameWriter.Write(output, new StompFrame(StompCommand.Subscribe, [new("id", "0"), new("destination", "/queue/a:b"), new("ack", "client-individual")]), version);
        StompFrameWriter.Write(output, new StompFrame(StompCommand.Send, [new("destination", "/exchange/amq.topic/x.y"), new("content-type", "text/plain"), new("receipt", "r1")], "hello\0world"u8.ToArray()), version);
        StompFrameWriter.Write(output, new StompFrame(StompCommand.Send, [new("destination", "/topic/t")], "no length"u8.ToArray()), version);
        StompFrameWriter.WriteHeartBeat(output);
        StompFrameWriter.Write(output, new StompFrame(StompCommand.Ack, [new("id", "m-1"), new("transaction", "tx")]), version);
        StompFrameWriter.Write(output, new StompFrame(StompCommand.Disconnect, [new("receipt", "bye")]), version);
        return output.WrittenSpan.ToArray();
    }

    private static byte[] StoredMessageBytes()
    {
        var message = new Message("amq.topic", "a.b", new MessageProperties
        {
            ContentType = "text/plain",
            Headers = new Dictionary<string, object?> { ["n"] = 1, ["s"] = "v", ["t"] = new Dictionary<string, object?> { ["d"] = 2.5m } },
            Persistence = DeliveryPersistence.Persistent,
            CorrelationId = [1, 2, 3],
            ExpiryMilliseconds = 1000,
        }, "body"u8.ToArray());
        var buffer = new byte[StoredMessageCodec.Measure(message)];
        var position = 0;
        StoredMessageCodec.Write(buffer, ref position, message);
        return buffer;
    }

    /// <summary>The records a real store writes (messages to one and two queues, a delivery, a settle, a paged message), in <see cref="StorageTargets.SealRecords"/>'s input format.</summary>
    private static byte[] JournalRecords()
    {
        var device = new MemoryJournalDevice();
        using (var store = new JournalMessageStore(device, new JournalOptions(), NullLogger.Instance))
        {
            _ = store.Recover();
            var one = store.AppendMessage(StorageTargets.SampleMessage("one"), [1]);
            var two = store.AppendMessage(StorageTargets.SampleMessage("two"), [1, 2]);
            _ = store.AppendDelivered(1, two.Ref);
            _ = store.AppendSettle(1, one.Ref);
            _ = store.AppendPaged(StorageTargets.SampleMessage("paged"));
        }

        return RecordsOf(device);
    }

    /// <summary>The records of a device's first segment, in the journal targets' input format.</summary>
    private static byte[] RecordsOf(MemoryJournalDevice device)
    {
        var segment = device.ListSegments()[0];
        using var file = device.Open(segment);
        var bytes = new byte[file.Length];
        _ = file.Read(0, bytes);
        using var output = new MemoryStream();
        var data = bytes.AsSpan(SegmentHeader.Size);
        int size;
        while ((size = RecordFraming.Measure(data)) > 0)
        {
            StorageTargets.AppendRecord(output, RecordFraming.TypeOf(data), data[RecordFraming.HeaderSize..size]);
            data = data[size..];
        }

        return output.ToArray();
    }

    /// <summary>A client's masked frames: an MQTT CONNECT in two fragments, a ping, a pong, a whole PUBLISH and a Close 1000 (RFC 6455 5.2).</summary>
    private static byte[] WebSocketFrames(byte selector)
    {
        var mqtt = Mqtt(MqttProtocolVersion.V311).AsSpan(1);
        using var output = new MemoryStream();
        output.WriteByte(selector);
        WebSocketFrame(output, fin: false, opcode: 2, mqtt[..10]);
        WebSocketFrame(output, fin: true, opcode: 9, "ping"u8);
        WebSocketFrame(output, fin: true, opcode: 0, mqtt[10..]);
        WebSocketFrame(output, fin: true, opcode: 10, ""u8);
        WebSocketFrame(output, fin: true, opcode: 2, new byte[300]);
        WebSocketFrame(output, fin: true, opcode: 8, [0x03, 0xE8]);
        return output.ToArray();
    }

    private static void WebSocketFrame(MemoryStream output, bool fin, byte opcode, ReadOnlySpan<byte> payload)
    {
        output.WriteByte((byte)((fin ? 0x80 : 0) | opcode));
        if (payload.Length < 126)
        {
            output.WriteByte((byte)(0x80 | payload.Length));
        }
        else
        {
            output.WriteByte(0x80 | 126);
            output.WriteByte((byte)(payload.Length >> 8));
            output.WriteByte((byte)payload.Length);
        }

        ReadOnlySpan<byte> mask = [0x37, 0xFA, 0x21, 0x3D];
        output.Write(mask);
        for (var i = 0; i < payload.Length; i++)
        {
            output.WriteByte((byte)(payload[i] ^ mask[i & 3]));
        }
    }

    private static byte[] DefinitionsJson()
    {
        var directory = Directory.CreateTempSubdirectory("courier-fuzz-seed-");
        try
        {
            var arguments = new Dictionary<string, object?> { ["x-max-length"] = 10L, ["x-queue-type"] = "classic" };
            new FileDefinitionStore(directory.FullName).Save(new DefinitionSnapshot
            {
                LastQueueStoreId = 1,
                Users = [new UserRecord("guest", [1, 2, 3, 4], [5, 6, 7, 8], ["administrator"])],
                Permissions = [new PermissionRecord("guest", "/", ".*", ".*", ".*")],
                TopicPermissions = [new TopicPermissionRecord("guest", "/", "amq.topic", "^a", ".*")],
                VirtualHosts =
                [
                    new VirtualHostRecord
                    {
                        Name = "/",
                        Exchanges = [new ExchangeRecord("x", "topic", false, false, arguments)],
                        Queues = [new QueueRecord("q", 1, false, arguments)],
                        Bindings = [new BindingRecord("x", "q", true, "a.#", arguments)],
                    },
                ],
            });
            return File.ReadAllBytes(Path.Combine(directory.FullName, "definitions.json"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
