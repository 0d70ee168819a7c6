using System.Buffers;
using Courier.Amqp091.Framing;
using Courier.Core.Messages;
using Xunit;

namespace Courier.Amqp091.Tests.Framing;

public class MethodRoundTripTests
{
    private const ushort Channel = 0x0A0B;

    public static TheoryData<string> MethodNames()
    {
        var data = new TheoryData<string>();
        foreach (var (_, _, name) in AmqpMethodRegistry.All)
        {
            data.Add(name);
        }

        return data;
    }

    public static TheoryData<string, string> BitArguments()
    {
        var data = new TheoryData<string, string>();
        foreach (var (_, _, name) in AmqpMethodRegistry.All)
        {
            foreach (var argument in MethodSamples.Arguments(MethodSamples.TypesByName[name]))
            {
                if (argument.PropertyType == typeof(bool))
                {
                    data.Add(name, argument.Name);
                }
            }
        }

        return data;
    }

    [Fact]
    public void The_registry_lists_all_66_methods_including_rabbitmq_extensions()
    {
        var names = AmqpMethodRegistry.All.Select(m => m.Name).ToList();

        Assert.Equal(66, names.Count);
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Equal(names.Count, AmqpMethodRegistry.All.Select(m => (m.ClassId, m.MethodId)).Distinct().Count());
        string[] extensions =
        [
            "exchange.bind", "exchange.bind-ok", "exchange.unbind", "exchange.unbind-ok",
            "basic.nack", "confirm.select", "confirm.select-ok",
            "connection.blocked", "connection.unblocked",
            "connection.update-secret", "connection.update-secret-ok",
        ];
        foreach (var extension in extensions)
        {
            Assert.Contains(extension, names);
        }
    }

    [Fact]
    public void Every_registered_method_has_a_generated_struct_with_the_same_ids()
    {
        Assert.Equal(AmqpMethodRegistry.All.Count, MethodSamples.TypesByName.Count);
        foreach (var (classId, methodId, name) in AmqpMethodRegistry.All)
        {
            var method = MethodSamples.CreateDefault(MethodSamples.TypesByName[name]);
            Assert.Equal(classId, method.ClassId);
            Assert.Equal(methodId, method.MethodId);
            Assert.True(AmqpMethodRegistry.IsKnown(((uint)classId << 16) | methodId), name);
        }
    }

    [Fact]
    public void Exactly_publish_return_deliver_and_get_ok_carry_content()
    {
        var withContent = MethodSamples.TypesByName.Keys
            .Where(name => MethodSamples.CreateDefault(MethodSamples.TypesByName[name]).HasContent)
            .Order()
            .ToList();

        Assert.Equal(["basic.deliver", "basic.get-ok", "basic.publish", "basic.return"], withContent);
    }

    [Fact]
    public void Every_synchronous_request_has_an_ok_reply()
    {
        foreach (var (name, type) in MethodSamples.TypesByName)
        {
            if (MethodSamples.CreateDefault(type).IsSynchronousRequest)
            {
                Assert.True(MethodSamples.TypesByName.ContainsKey(name + "-ok"), $"{name} is synchronous but has no {name}-ok");
            }
            else if (MethodSamples.TypesByName.ContainsKey(name + "-ok"))
            {
                Assert.Fail($"{name} has an -ok reply but is not marked synchronous");
            }
        }
    }

    [Theory]
    [MemberData(nameof(MethodNames))]
    public void Every_method_round_trips_through_a_frame(string name)
    {
        var type = MethodSamples.TypesByName[name];
        var sent = MethodSamples.WithEveryArgumentSet(type);

        var (frame, received, unread) = WriteAndRead(sent);

        Assert.Equal(AmqpFrameType.Method, frame.Type);
        Assert.Equal(Channel, frame.Channel);
        Assert.Equal(0, unread);
        Assert.IsType(type, received);
        Assert.Equal(name, received.Name);
        AssertSameArguments(sent, received);
    }

    [Theory]
    [MemberData(nameof(BitArguments))]
    public void A_bit_argument_set_alone_decodes_alone(string name, string bit)
    {
        var type = MethodSamples.TypesByName[name];
        var sent = MethodSamples.WithOnlyBitSet(type, type.GetProperty(bit)!);

        var (_, received, _) = WriteAndRead(sent);

        foreach (var argument in MethodSamples.Arguments(type))
        {
            if (argument.PropertyType == typeof(bool))
            {
                Assert.True(argument.Name == bit == (bool)argument.GetValue(received)!, $"{name}: {argument.Name} decoded wrongly when only {bit} was set");
            }
        }
    }

    [Fact]
    public void Queue_declare_with_only_durable_set_decodes_with_only_durable_set()
    {
        var sent = new QueueDeclare { Queue = "orders", Durable = true };

        var (frame, received, _) = WriteAndRead(sent);

        // ticket (2), "orders" (1 + 6), then the bit octet: passive=1, durable=2, exclusive=4, auto-delete=8, nowait=16.
        Assert.Equal(0b0000_0010, frame.Payload[4 + 2 + 7]);
        var declare = Assert.IsType<QueueDeclare>(received);
        Assert.True(declare.Durable);
        Assert.False(declare.Passive);
        Assert.False(declare.Exclusive);
        Assert.False(declare.AutoDelete);
        Assert.False(declare.Nowait);
        Assert.Equal("orders", declare.Queue);
    }

    [Fact]
    public void Connection_tune_is_laid_out_as_the_spec_says()
    {
        var output = new ArrayBufferWriter<byte>();

        AmqpFrameWriter.WriteMethod(output, 0, new ConnectionTune { ChannelMax = 2047, FrameMax = 131_072, Heartbeat = 60 });

        byte[] expected =
        [
            1, 0, 0, 0, 0, 0, 12, // method frame, channel 0, payload size 12
            0, 10, 0, 30,         // connection.tune
            0x07, 0xFF,           // channel-max
            0, 2, 0, 0,           // frame-max
            0, 60,                // heartbeat
            0xCE,
        ];
        Assert.Equal(expected, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void A_bit_between_other_fields_takes_one_octet_of_its_own()
    {
        var output = new ArrayBufferWriter<byte>();

        AmqpFrameWriter.WriteMethod(output, 1, new BasicDeliver
        {
            ConsumerTag = "c",
            DeliveryTag = 0x0102030405060708,
            Redelivered = true,
            Exchange = "x",
            RoutingKey = "rk",
        });

        byte[] expectedPayload =
        [
            0, 60, 0, 60,
            1, (byte)'c',
            1, 2, 3, 4, 5, 6, 7, 8,
            1,
            1, (byte)'x',
            2, (byte)'r', (byte)'k',
        ];
        Assert.Equal(expectedPayload, output.WrittenSpan[AmqpFrameReader.HeaderSize..^1].ToArray());
    }

    [Theory]
    [MemberData(nameof(MethodNames))]
    public void Every_truncation_of_a_method_fails_with_syntax_error(string name)
    {
        var sent = MethodSamples.WithEveryArgumentSet(MethodSamples.TypesByName[name]);
        var output = new ArrayBufferWriter<byte>();
        AmqpFrameWriter.WriteMethod(output, Channel, sent);
        var payload = output.WrittenSpan[AmqpFrameReader.HeaderSize..^1].ToArray();
        var key = AmqpFrameReader.ReadMethodKey(payload);

        for (var length = 4; length < payload.Length; length++)
        {
            var truncated = payload[4..length];
            var error = Assert.Throws<AmqpProtocolException>(() =>
            {
                var reader = new AmqpReader(truncated);
                AmqpMethodRegistry.Read(key, ref reader);
            });
            Assert.Equal(AmqpConstants.SyntaxError, error.ReplyCode);
        }
    }

    [Fact]
    public void An_unknown_method_fails_with_command_invalid()
    {
        var error = Assert.Throws<AmqpProtocolException>(() =>
        {
            var reader = new AmqpReader([]);
            AmqpMethodRegistry.Read((60u << 16) | 999, ref reader);
        });

        Assert.Equal(AmqpConstants.CommandInvalid, error.ReplyCode);
        Assert.False(AmqpMethodRegistry.IsKnown((60u << 16) | 999));
    }

    private static (ParsedFrame Frame, IAmqpMethod Received, int Unread) WriteAndRead(IAmqpMethod method)
    {
        var output = new ArrayBufferWriter<byte>();
        AmqpFrameWriter.WriteMethod(output, Channel, method);

        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        Assert.True(AmqpFrameReader.TryReadFrame(ref buffer, AmqpConstants.FrameMinSize, out var frame));
        Assert.True(buffer.IsEmpty, "the method frame should span exactly what the writer wrote");

        var parsed = ParsedFrame.From(frame);
        var key = AmqpFrameReader.ReadMethodKey(parsed.Payload);
        Assert.Equal(((uint)method.ClassId << 16) | method.MethodId, key);
        var reader = new AmqpReader(parsed.Payload.AsSpan(4));
        var received = AmqpMethodRegistry.Read(key, ref reader);
        return (parsed, received, reader.Remaining);
    }

    private static void AssertSameArguments(IAmqpMethod sent, IAmqpMethod received)
    {
        foreach (var argument in MethodSamples.Arguments(sent.GetType()))
        {
            var expected = argument.GetValue(sent);
            var actual = argument.GetValue(received);
            Assert.True(FieldTable.ValueEquals(expected, actual), $"{sent.Name}: {argument.Name} was {expected}, decoded as {actual}");
        }
    }
}
