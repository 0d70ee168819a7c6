using System.Net;

namespace Courier.Management;

/// <summary>What the management API says about the node it runs in, given by the host that wires it.</summary>
public sealed class ManagementNode
{
    /// <summary>The node's name as RabbitMQ shows one, e.g. <c>courier@host</c>.</summary>
    public required string Name { get; init; }

    public required string ProductVersion { get; init; }

    /// <summary>The node's listeners (protocol name and bound address), read when asked: ports are known once the node started.</summary>
    public required Func<IReadOnlyList<(string Protocol, IPEndPoint EndPoint)>> Listeners { get; init; }

    /// <summary>The data directory (shown as <c>db_dir</c>), and where free disk space is measured.</summary>
    public string DataDirectory { get; init; } = ".";

    public DateTimeOffset StartedAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>The sampler of message rates; null: rates are all 0.0 (<c>rates_mode</c> none).</summary>
    public Statistics.MessageRates? Rates { get; init; }
}
