namespace Courier.Server.Hosting;

/// <summary>The HTTP listener of the management API (RabbitMQ's management plugin listens on 15672).</summary>
public sealed class HttpListenerOptions : ListenerSettings
{
    public override int Port { get; set; } = 15672;

    /// <summary>How often message rates are sampled, in milliseconds (RabbitMQ's <c>collect_statistics_interval</c>, 5000 by default).</summary>
    public int StatisticsIntervalMilliseconds { get; set; } = 5000;
}

/// <summary>The HTTP listener of the Prometheus metrics (RabbitMQ's <c>rabbitmq_prometheus</c> listens on 15692).</summary>
public sealed class PrometheusListenerOptions : ListenerSettings
{
    public override int Port { get; set; } = 15692;
}
