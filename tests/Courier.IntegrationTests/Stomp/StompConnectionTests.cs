using Courier.Core.Security;
using Courier.IntegrationTests.Infrastructure;
using Courier.Stomp.Frames;

namespace Courier.IntegrationTests.Stomp;

/// <summary>CONNECT, version and heart-beat negotiation, login and vhost, errors, DISCONNECT: over a real socket.</summary>
public sealed class StompConnectionTests
{
    [Theory]
    [InlineData("1.0", "1.0")]
    [InlineData("1.1", "1.1")]
    [InlineData("1.0,1.1,1.2", "1.2")]
    [InlineData("1.1,2.0", "1.1")]
    public async Task CONNECT_agrees_on_the_highest_common_version_and_answers_CONNECTED(string accept, string agreed)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await StompTestClient.OpenAsync(broker.StompPort);
        await client.SendAsync(StompCommand.Connect, new("accept-version", accept), new("host", "/"), new("login", "guest"), new("passcode", "guest"));

        var connected = await client.ReceiveAsync();

        Assert.Equal(StompCommand.Connected, connected.Command);
        Assert.Equal(agreed, connected["version"]);
        Assert.StartsWith("Courier/", connected["server"]);
        Assert.StartsWith("session-", connected["session"]);
        Assert.Equal("0,0", connected["heart-beat"]);
    }

    [Fact]
    public async Task STOMP_frame_connects_like_CONNECT()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await StompTestClient.OpenAsync(broker.StompPort);
        await client.SendAsync(StompCommand.Stomp, new("accept-version", "1.2"), new("host", "/"));

        Assert.Equal(StompCommand.Connected, (await client.ReceiveAsync()).Command);
    }

    [Fact]
    public async Task No_common_version_is_answered_with_ERROR_listing_the_versions_then_close()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await StompTestClient.OpenAsync(broker.StompPort);
        await client.SendAsync(StompCommand.Connect, new("accept-version", "2.0"), new("host", "/"));

        var error = await client.ReceiveAsync();

        Assert.Equal(StompCommand.Error, error.Command);
        Assert.Equal("1.0,1.1,1.2", error["version"]);
        Assert.NotNull(error["message"]);
        await client.WaitClosedAsync();
    }

    [Fact]
    public async Task A_wrong_passcode_is_refused_with_ERROR_then_close()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.ErrorsExpected = true;
        await using var client = await StompTestClient.OpenAsync(broker.StompPort);
        await client.SendAsync(StompCommand.Connect, new("accept-version", "1.2"), new("host", "/"), new("login", "guest"), new("passcode", "wrong"));

        var error = await client.ReceiveAsync();

        Assert.Equal(StompCommand.Error, error.Command);
        Assert.Contains("guest", error["message"]);
        await client.WaitClosedAsync();
    }

    [Fact]
    public async Task Without_login_the_default_user_connects_unless_anonymous_is_refused()
    {
        await using (var broker = await TestBroker.StartAsync())
        {
            await using var client = await StompTestClient.OpenAsync(broker.StompPort);
            await client.SendAsync(StompCommand.Connect, new("accept-version", "1.2"), new("host", "/"));
            Assert.Equal(StompCommand.Connected, (await client.ReceiveAsync()).Command);
        }

        await using (var broker = await TestBroker.StartAsync(null, "--stomp-allow-anonymous", "false"))
        {
            await using var client = await StompTestClient.OpenAsync(broker.StompPort);
            await client.SendAsync(StompCommand.Connect, new("accept-version", "1.2"), new("host", "/"));
            var error = await client.ReceiveAsync();
            Assert.Equal(StompCommand.Error, error.Command);
            Assert.Contains("anonymous", error["message"]);
            await client.WaitClosedAsync();
        }
    }

    [Fact]
    public async Task The_host_header_selects_the_vhost_and_an_unknown_host_the_default_one()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Host.Broker.AddVirtualHost("tenant");
        broker.Host.Broker.SetPermission("guest", "tenant", new Permission(".*", ".*", ".*"));

        await using (var client = await StompTestClient.ConnectAsync(broker.StompPort, StompVersion.V12, new StompHeader("host", "tenant")))
        {
            await client.SendWithReceiptAsync(new StompFrame(StompCommand.Subscribe, [new("id", "s"), new("destination", "/queue/in-tenant")]), "r1");
        }

        await using (var client = await StompTestClient.ConnectAsync(broker.StompPort, StompVersion.V12, new StompHeader("host", "broker.example.com")))
        {
            await client.SendWithReceiptAsync(new StompFrame(StompCommand.Subscribe, [new("id", "s"), new("destination", "/queue/in-default")]), "r1");
        }

        Assert.True(broker.Host.Broker.TryGetVirtualHost("tenant", out var tenant));
        Assert.True(tenant.TryGetQueue("in-tenant", out _));
        Assert.True(broker.Host.Broker.TryGetVirtualHost("/", out var root));
        Assert.True(root.TryGetQueue("in-default", out _));
        Assert.False(root.TryGetQueue("in-tenant", out _));
    }

    [Fact]
    public async Task A_malformed_frame_gets_ERROR_with_message_and_receipt_id_and_only_that_connection_closes()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.ErrorsExpected = true;
        await using var bystander = await StompTestClient.ConnectAsync(broker.StompPort);
        await bystander.SubscribeAsync("s", "/queue/bystander");
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort);

        // A SUBSCRIBE with an unknown ack mode, asking for a receipt; then a frame with no colon in a header line.
        await client.SendAsync(StompCommand.Subscribe, new("id", "x"), new("destination", "/queue/q"), new("ack", "sometimes"), new("receipt", "r-bad"));
        var error = await client.ReceiveAsync();

        Assert.Equal(StompCommand.Error, error.Command);
        Assert.Equal("r-bad", error["receipt-id"]);
        Assert.Contains("sometimes", error["message"]);
        await client.WaitClosedAsync();

        await using var garbled = await StompTestClient.ConnectAsync(broker.StompPort);
        await garbled.SendRawAsync("SEND\ndestination /queue/q\n\nbody\0");
        var garbledError = await garbled.ReceiveAsync();
        Assert.Equal(StompCommand.Error, garbledError.Command);
        Assert.Contains("colon", garbledError["message"]);
        await garbled.WaitClosedAsync();

        await bystander.SendTextAsync("/queue/bystander", "still here");
        Assert.Equal("still here", System.Text.Encoding.UTF8.GetString((await bystander.ReceiveAsync()).Body.Span));
    }

    [Fact]
    public async Task A_frame_before_CONNECT_is_an_error()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.ErrorsExpected = true;
        await using var client = await StompTestClient.OpenAsync(broker.StompPort);
        await client.SendTextAsync("/queue/q", "too early");

        Assert.Equal(StompCommand.Error, (await client.ReceiveAsync()).Command);
        await client.WaitClosedAsync();
    }

    [Fact]
    public async Task The_server_sends_heart_beats_at_the_agreed_interval()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort, StompVersion.V12, new StompHeader("heart-beat", "0,1000"));

        Assert.Equal("1000,0", client.Connected!["heart-beat"]);
        await Wait.UntilAsync(() => client.HeartBeatsReceived >= 2, "two heart-beats from the server");
    }

    [Fact]
    public async Task A_client_silent_past_its_heart_beat_is_disconnected_and_one_that_beats_is_not()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.ErrorsExpected = true; // the missed heart-beat is logged as a warning only, but be explicit
        // The beating client promises a beat every 5 s (the server gives up after 10 s) and keeps
        // it ten times over, so a test thread held up for a second or two on a loaded machine
        // cannot make it miss one; the silent client promised one every second.
        await using var beating = await StompTestClient.ConnectAsync(broker.StompPort, StompVersion.V12, new StompHeader("heart-beat", "5000,0"));
        await using var silent = await StompTestClient.ConnectAsync(broker.StompPort, StompVersion.V12, new StompHeader("heart-beat", "1000,0"));
        Assert.Equal("0,1000", silent.Connected!["heart-beat"]);
        Assert.Equal("0,5000", beating.Connected!["heart-beat"]);

        // The beating client sends an EOL every half second until the silent one has been closed.
        var deadline = DateTime.UtcNow + Wait.DefaultTimeout;
        while (!silent.Closed.IsCompleted && DateTime.UtcNow < deadline)
        {
            await beating.SendRawAsync("\n");
            await Task.WhenAny(silent.Closed, Task.Delay(500));
        }

        await silent.WaitClosedAsync();
        Assert.False(beating.Closed.IsCompleted);
        await beating.SendWithReceiptAsync(new StompFrame(StompCommand.Subscribe, [new("id", "s"), new("destination", "/queue/alive")]), "alive");
    }

    [Fact]
    public async Task DISCONNECT_with_a_receipt_is_answered_then_closed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort);
        await client.SendAsync(StompCommand.Disconnect, new StompHeader("receipt", "bye"));

        var receipt = await client.ReceiveAsync();

        Assert.Equal(StompCommand.Receipt, receipt.Command);
        Assert.Equal("bye", receipt["receipt-id"]);
        await client.WaitClosedAsync();
    }
}
