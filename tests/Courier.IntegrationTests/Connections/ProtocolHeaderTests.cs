using System.Text;
using Courier.Amqp091.Framing;
using Courier.IntegrationTests.Infrastructure;

namespace Courier.IntegrationTests.Connections;

/// <summary>The 8 bytes a client opens with decide whether it speaks AMQP 0-9-1 at all.</summary>
public sealed class ProtocolHeaderTests
{
    [Theory]
    [InlineData("AMQP\0\0\u0009\0")]
    [InlineData("AMQP\u0001\u0001\0\u0009")]
    [InlineData("AMQP\0\u0001\0\0")]
    [InlineData("HTTP/1.1")]
    public async Task An_unsupported_protocol_header_is_answered_with_AMQP_0_9_1_and_the_socket_is_closed(string header)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);

        await client.SendAsync(Encoding.Latin1.GetBytes(header));

        var answer = await client.ReadToEndAsync();
        Assert.Equal("AMQP\0\0\u0009\u0001", Encoding.Latin1.GetString(answer));
    }

    [Fact]
    public async Task The_AMQP_0_9_1_header_is_answered_with_connection_start_for_version_0_9()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);

        var start = await client.StartAsync();

        Assert.Equal(0, start.VersionMajor);
        Assert.Equal(9, start.VersionMinor);
        Assert.Equal(["AMQPLAIN", "PLAIN"], Encoding.UTF8.GetString(start.Mechanisms).Split(' ').Order());
        Assert.Contains("en_US", Encoding.UTF8.GetString(start.Locales).Split(' '));
    }

    [Fact]
    public async Task A_header_sent_one_byte_at_a_time_is_accepted()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);

        foreach (var b in AmqpFrameReader.ProtocolHeader.ToArray())
        {
            await client.SendAsync(new[] { b });
        }

        await client.ExpectFrameAsync(ConnectionStart.Key);
    }
}
