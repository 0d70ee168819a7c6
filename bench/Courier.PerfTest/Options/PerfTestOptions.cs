namespace Courier.PerfTest.Options;

/// <summary>Which half of a split scenario this run plays.</summary>
public enum RunMode
{
    /// <summary>Producers and consumers run together.</summary>
    Normal,

    /// <summary>Only producers run; the queues are kept for a later <see cref="ConsumeOnly"/> run.</summary>
    PublishOnly,

    /// <summary>Only consumers run, draining what an earlier <see cref="PublishOnly"/> run left.</summary>
    ConsumeOnly,
}

/// <summary>Which AMQP 0-9-1 client produces and consumes.</summary>
public enum AmqpClient
{
    /// <summary>RabbitMQ.Client 7.x, the reference client.</summary>
    RabbitMqClient,

    /// <summary>
    /// The load generator's own blocking client (<see cref="Amqp.Wire.WireTransport"/>): a thread
    /// per producer and consumer, publishes batched into one socket write, so the generator
    /// needs less CPU per message than the broker it measures.
    /// </summary>
    Lean,
}

/// <summary>
/// One scenario's parameters, as given on the command line. Everything here is echoed in the
/// summary line so a result can always be traced back to the load that produced it.
/// </summary>
public sealed record PerfTestOptions
{
    /// <summary>AMQP URI (<c>amqp://user:pass@host:port/vhost</c>); used when <see cref="MqttEndpoint"/> is null.</summary>
    public string Uri { get; init; } = "amqp://guest:guest@127.0.0.1:5672";

    /// <summary><c>host:port</c> of an MQTT broker; when set, the run speaks MQTT instead of AMQP.</summary>
    public string? MqttEndpoint { get; init; }

    /// <summary><c>host:port</c> of a STOMP broker; when set, the run speaks STOMP 1.2 (the lean client) instead of AMQP.</summary>
    public string? StompEndpoint { get; init; }

    /// <summary>STOMP CONNECT's <c>login:passcode</c>.</summary>
    public string StompLogin { get; init; } = "guest:guest";

    /// <summary>MQTT subscribers connect with clean session 0, so their subscriptions are a persistent session's.</summary>
    public bool MqttPersistentSession { get; init; }

    /// <summary>AMQP client for producers and consumers; topology and idle connections always use RabbitMQ.Client.</summary>
    public AmqpClient Client { get; init; } = AmqpClient.RabbitMqClient;

    /// <summary>MQTT quality of service for publishes and subscriptions (0 or 1).</summary>
    public int Qos { get; init; }

    public int Producers { get; init; } = 1;
    public int Consumers { get; init; } = 1;

    /// <summary>How many queues (MQTT: topics) to spread producers and consumers over.</summary>
    public int Queues { get; init; } = 1;

    /// <summary>Queue name pattern; <c>%d</c> is replaced by the queue's number, from 1.</summary>
    public string QueuePattern { get; init; } = "perftest-%d";

    /// <summary>Body size in bytes; never below <see cref="Messages.MessageStamp.Size"/>.</summary>
    public int MessageSize { get; init; } = 256;

    public bool Persistent { get; init; }
    public bool DurableQueues { get; init; }

    /// <summary>Outstanding publisher confirms per producer; 0 publishes without confirms.</summary>
    public int ConfirmWindow { get; init; }

    /// <summary>basic.qos prefetch count per consumer; 0 is unlimited.</summary>
    public int Prefetch { get; init; } = 1000;

    public bool AutoAck { get; init; }

    /// <summary>Manual ack: acknowledge with <c>multiple</c> once every this many deliveries.</summary>
    public int MultiAckEvery { get; init; } = 100;

    /// <summary>Publish to a fanout exchange bound to every queue, so each message arrives once per queue.</summary>
    public bool Fanout { get; init; }

    public string Exchange { get; init; } = "perftest-fanout";

    /// <summary>Messages per second per producer; 0 is as fast as the broker takes them.</summary>
    public double ProducerRate { get; init; }

    /// <summary>How long producers publish, in seconds; 0 means until <see cref="ProducerMessageCount"/>.</summary>
    public double DurationSeconds { get; init; }

    /// <summary>Messages per producer; 0 means until <see cref="DurationSeconds"/>.</summary>
    public long ProducerMessageCount { get; init; }

    /// <summary>Consume-only: how many distinct messages the earlier publish-only run sent in total.</summary>
    public long ExpectedMessages { get; init; }

    /// <summary>After producers stop, how long consumers may go without a delivery before the run ends.</summary>
    public double DrainIdleSeconds { get; init; } = 5;

    /// <summary>
    /// Seconds at the start of the load whose latencies are left out of the run's histogram (still
    /// printed each second): both processes' JIT compilation and first allocations, so that a
    /// fixed-rate run reports the steady state. 0 keeps every second.
    /// </summary>
    public double WarmupSeconds { get; init; }

    /// <summary>Hard bound on the whole run, in seconds, whatever else is set.</summary>
    public double MaxRunSeconds { get; init; } = 900;

    /// <summary>Arguments of every queue the run declares (<c>--queue-args</c>); null declares them without.</summary>
    public IReadOnlyDictionary<string, object>? QueueArguments { get; init; }

    /// <summary>
    /// When set, the queues published to dead-letter into this queue through the default exchange,
    /// and consumers read only this one: what they receive went through expiry or rejection first.
    /// </summary>
    public string? DeadLetterQueue { get; init; }

    public int IdleConnections { get; init; }

    /// <summary>Broker process whose resident memory (VmRSS) and CPU time are reported.</summary>
    public int? BrokerPid { get; init; }

    public RunMode Mode { get; init; } = RunMode.Normal;

    /// <summary>Leave queues and the exchange in place at the end (publish-only always does).</summary>
    public bool KeepTopology { get; init; }

    /// <summary>Free-form label echoed in the summary, so a script can tell its runs apart.</summary>
    public string? Label { get; init; }

    public bool Quiet { get; init; }

    public bool IsMqtt => MqttEndpoint is not null;

    public bool IsStomp => StompEndpoint is not null;
}
