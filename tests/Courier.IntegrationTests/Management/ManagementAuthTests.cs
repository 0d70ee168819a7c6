using System.Net;
using Courier.IntegrationTests.Infrastructure;

namespace Courier.IntegrationTests.Management;

/// <summary>HTTP basic auth with the broker's users, and RabbitMQ's tags: what each may call.</summary>
public sealed class ManagementAuthTests
{
    [Fact]
    public async Task A_request_without_credentials_or_with_a_wrong_password_is_refused_with_401_and_a_challenge()
    {
        await using var broker = await TestBroker.StartAsync();
        using var anonymous = new ManagementClient(broker, user: null);
        using var response = await anonymous.SendAsync(HttpMethod.Get, "api/overview");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Basic", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        using var wrong = new ManagementClient(broker, "guest", "not-the-password");
        Assert.Equal("Login failed", await wrong.RefusedAsync(HttpStatusCode.Unauthorized, HttpMethod.Get, "api/overview"));
    }

    [Fact]
    public async Task Whoami_names_the_user_and_its_tags()
    {
        await using var broker = await TestBroker.StartAsync();
        using var guest = new ManagementClient(broker);
        var me = await guest.GetAsync("api/whoami");
        Assert.Equal("guest", me["name"]!.GetValue<string>());
        Assert.Equal("administrator", me["tags"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Tags_decide_what_a_user_may_call_as_in_RabbitMQ()
    {
        await using var broker = await TestBroker.StartAsync();
        using var admin = new ManagementClient(broker);
        await admin.PutAsync("api/users/plain", new { password = "p", tags = "" });
        await admin.PutAsync("api/users/manager", new { password = "m", tags = "management" });
        await admin.PutAsync("api/users/watcher", new { password = "w", tags = new[] { "monitoring" } });
        await admin.PutAsync("api/vhosts/team", new { });
        await admin.PutAsync("api/permissions/team/manager", new { configure = ".*", write = ".*", read = ".*" });
        await admin.PutAsync("api/permissions/team/guest", new { configure = ".*", write = ".*", read = ".*" });
        await admin.PutAsync("api/queues/team/mine", new { durable = false });
        await admin.PutAsync("api/queues/%2F/theirs", new { durable = false });

        using var plain = new ManagementClient(broker, "plain", "p");
        Assert.Equal("Not management user", await plain.RefusedAsync(HttpStatusCode.Unauthorized, HttpMethod.Get, "api/overview"));

        using var manager = new ManagementClient(broker, "manager", "m");
        Assert.Equal("Not administrator user", await manager.RefusedAsync(HttpStatusCode.Unauthorized, HttpMethod.Get, "api/users"));
        Assert.Equal("Not monitor user", await manager.RefusedAsync(HttpStatusCode.Unauthorized, HttpMethod.Get, "api/nodes"));
        var queues = (await manager.GetAsync("api/queues")).AsArray();
        Assert.Equal(["mine"], queues.Select(q => q!["name"]!.GetValue<string>()));
        Assert.Equal("User not authorised to access virtual host", await manager.RefusedAsync(HttpStatusCode.Unauthorized, HttpMethod.Get, "api/queues/%2F"));
        Assert.Equal(["team"], (await manager.GetAsync("api/vhosts")).AsArray().Select(v => v!["name"]!.GetValue<string>()));

        using var watcher = new ManagementClient(broker, "watcher", "w");
        Assert.Equal("courier@" + Environment.MachineName, (await watcher.GetAsync("api/nodes"))[0]!["name"]!.GetValue<string>());
        Assert.Equal(2, (await watcher.GetAsync("api/queues")).AsArray().Count);
        await watcher.RefusedAsync(HttpStatusCode.Unauthorized, HttpMethod.Get, "api/definitions");
    }

    [Fact]
    public async Task A_management_user_declares_only_what_its_permissions_allow()
    {
        await using var broker = await TestBroker.StartAsync();
        using var admin = new ManagementClient(broker);
        await admin.PutAsync("api/users/app", new { password = "a", tags = "management" });
        await admin.PutAsync("api/permissions/%2F/app", new { configure = "^app\\.", write = ".*", read = ".*" });

        using var app = new ManagementClient(broker, "app", "a");
        await app.PutAsync("api/queues/%2F/app.work", new { durable = false });
        var reason = await app.RefusedAsync(HttpStatusCode.Unauthorized, HttpMethod.Put, "api/queues/%2F/other", new { durable = false });
        Assert.Contains("configure access to queue 'other'", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Protocol_ports_do_not_serve_the_API()
    {
        await using var broker = await TestBroker.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{broker.Host.EndPointOf("mqtt-ws").Port}/"), Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync("api/overview");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
