using Courier.Core.Security;
using Xunit;

namespace Courier.Core.Tests.Security;

/// <summary>Topic permission patterns: searched, not anchored; variables expanded and matched literally; empty matches nothing.</summary>
public sealed class TopicPermissionTests
{
    private static readonly TopicVariables Alice = new("alice", "/", "dev(1)");

    [Theory]
    [InlineData("^sensors\\.", "sensors.kitchen", true)]
    [InlineData("^sensors\\.", "alarms.sensors.x", false)]
    [InlineData("kitchen", "sensors.kitchen.temp", true)]
    [InlineData("", "anything", false)]
    [InlineData("^users\\.{username}\\.", "users.alice.inbox", true)]
    [InlineData("^users\\.{username}\\.", "users.bob.inbox", false)]
    [InlineData("^devices\\.{client_id}$", "devices.dev(1)", true)]
    [InlineData("^devices\\.{client_id}$", "devices.dev1", false)]
    [InlineData("^{vhost}$", "/", true)]
    [InlineData("^(\\w+)\\.\\1\\.", "eu.eu.temp", true)] // a back-reference: the backtracking engine, as PCRE
    [InlineData("^(\\w+)\\.\\1\\.", "eu.us.temp", false)]
    public void Write_patterns_match_routing_keys_with_variables_expanded(string write, string routingKey, bool allowed) =>
        Assert.Equal(allowed, new TopicPermission("amq.topic", write, ".*").Allows(AccessKind.Write, routingKey, Alice));

    [Fact]
    public void Read_is_checked_against_its_own_pattern()
    {
        var permission = new TopicPermission("amq.topic", ".*", "^public\\.");

        Assert.True(permission.Allows(AccessKind.Read, "public.#", Alice));
        Assert.False(permission.Allows(AccessKind.Read, "private.#", Alice));
    }

    [Fact]
    public void Without_a_client_id_the_variable_is_left_as_written()
    {
        var permission = new TopicPermission("amq.topic", "^devices\\.{client_id}$", ".*");

        Assert.False(permission.Allows(AccessKind.Write, "devices.x", new TopicVariables("alice", "/", null)));
    }
}
