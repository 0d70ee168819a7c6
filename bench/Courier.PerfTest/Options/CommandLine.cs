using System.Globalization;

namespace Courier.PerfTest.Options;

/// <summary>
/// Plain <c>--name value</c> parsing. The tool has one command and a flat list of options, so a
/// table of setters is clearer than a parsing library.
/// </summary>
public static class CommandLine
{
    public const string Usage = """
        courier-perftest: end-to-end load for AMQP 0-9-1, MQTT and STOMP brokers

        Target
          --uri URI                 amqp://user:pass@host:port[/vhost] (default amqp://guest:guest@127.0.0.1:5672)
          --client rabbitmq|mqttnet|lean
                                    producers' and consumers' client: the reference one (RabbitMQ.Client
                                    7.x for AMQP, MQTTnet for MQTT; the default), or the generator's own
                                    blocking client, which costs less CPU per message
          --mqtt HOST:PORT          speak MQTT 3.1.1 to this broker instead of AMQP
          --qos 0|1                 MQTT quality of service (default 0)
          --mqtt-persistent-session subscribers connect with clean session 0 (a persistent session,
                                    ended with a clean connect after the run)
          --stomp HOST:PORT         speak STOMP 1.2 to this broker (always the lean client): queue i is
                                    /queue/NAME, --fanout uses /topic/EXCHANGE, --persistent sends
                                    persistent:true, -c N keeps N SENDs waiting for their RECEIPT,
                                    consumers subscribe with ack:client (cumulative, prefetch-count
                                    --prefetch) or, with -a, ack:auto
          --stomp-login USER:PASS   CONNECT's login and passcode (default guest:guest)

        Shape
          -x, --producers N         producers, each on its own connection (default 1)
          -y, --consumers N         consumers, each on its own connection (default 1)
          -q, --queues N            queues (MQTT: topics); producer i and consumer i use queue i mod N (default 1)
              --queue-pattern P     queue names, %d is the number from 1 (default perftest-%d)
          -s, --size BYTES          body size, at least 20 (default 256)
              --persistent          delivery_mode 2
              --durable             durable queues (and exchange)
          -c, --confirm N           outstanding confirms per producer; 0 = no confirms (default 0)
                                    (MQTT: publishes in flight per producer, 0 = 1; QoS 1 holds each until PUBACK)
              --prefetch N          basic.qos per consumer, 0 = unlimited (default 1000)
          -a, --auto-ack            no acks from consumers
              --multi-ack-every N   manual ack with multiple=true every N deliveries (default 100)
              --fanout              publish to a fanout exchange bound to every queue
              --exchange NAME       fanout exchange name (default perftest-fanout)
              --queue-args K=V,...  arguments of every queue declared, integers sent as integers, true/false as
                                    booleans (e.g. x-message-ttl=0,x-max-length=1000)
              --dead-letter-queue Q declare the queues with x-dead-letter-exchange="" and x-dead-letter-routing-key=Q,
                                    declare Q too (durable with --durable), and consume from Q only
                                    (with --queue-args x-message-ttl=0 every message arrives by way of expiry)
              --idle-connections N  open N extra connections, one channel each, and report RSS per connection
              --broker-pid PID      report the broker's VmRSS and CPU time from /proc

        Bounds
          -r, --rate N              messages/s per producer, 0 = unlimited (default 0)
          -z, --duration S          seconds producers publish (default 10 with producers and no --pmessages);
                                    with neither producers nor consumers, how long to hold idle connections
          -C, --pmessages N         messages per producer
              --expect N            consume-only (or no producers): total messages sent by the other run
              --warmup S            leave the first S seconds' latencies out of the run's percentiles (default 0;
                                    the per-second lines still show them)
              --drain-idle S        end when no delivery arrived for S seconds after producers stop (default 5)
              --max-run S           hard limit on the whole run (default 900)

        Mode
              --publish-only        only publish; queues are kept for a later --consume-only run
              --consume-only        only consume what is already queued, then delete the queues
              --keep-topology       do not delete queues and exchange at the end
              --label TEXT          echoed in the summary
              --quiet               no per-second progress lines
        """;

    /// <summary>Parses <paramref name="args"/>; returns null and sets <paramref name="error"/> when they are wrong.</summary>
    public static PerfTestOptions? Parse(string[] args, out string? error)
    {
        var o = new PerfTestOptions();
        bool durationGiven = false;
        error = null;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string name = args[i];
                durationGiven |= name is "--duration" or "-z";
                string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{name} needs a value");
                int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
                long Long() => long.Parse(Next(), CultureInfo.InvariantCulture);
                double Double() => double.Parse(Next(), CultureInfo.InvariantCulture);

                o = name switch
                {
                    "--uri" or "-h" => o with { Uri = Next() },
                    "--client" => o with { Client = Next() switch
                    {
                        "rabbitmq" or "mqttnet" => AmqpClient.RabbitMqClient,
                        "lean" => AmqpClient.Lean,
                        var other => throw new FormatException($"--client must be rabbitmq, mqttnet or lean, not {other}"),
                    } },
                    "--mqtt" => o with { MqttEndpoint = Next() },
                    "--qos" => o with { Qos = Int() },
                    "--mqtt-persistent-session" => o with { MqttPersistentSession = true },
                    "--stomp" => o with { StompEndpoint = Next() },
                    "--stomp-login" => o with { StompLogin = Next() },
                    "--producers" or "-x" => o with { Producers = Int() },
                    "--consumers" or "-y" => o with { Consumers = Int() },
                    "--queues" or "-q" => o with { Queues = Int() },
                    "--queue-pattern" => o with { QueuePattern = Next() },
                    "--size" or "-s" => o with { MessageSize = Int() },
                    "--persistent" => o with { Persistent = true },
                    "--durable" => o with { DurableQueues = true },
                    "--confirm" or "-c" => o with { ConfirmWindow = Int() },
                    "--prefetch" => o with { Prefetch = Int() },
                    "--auto-ack" or "-a" => o with { AutoAck = true },
                    "--multi-ack-every" => o with { MultiAckEvery = Int() },
                    "--fanout" => o with { Fanout = true },
                    "--exchange" => o with { Exchange = Next() },
                    "--queue-args" => o with { QueueArguments = QueueArguments.Parse(Next()) },
                    "--dead-letter-queue" => o with { DeadLetterQueue = Next() },
                    "--idle-connections" => o with { IdleConnections = Int() },
                    "--broker-pid" => o with { BrokerPid = Int() },
                    "--rate" or "-r" => o with { ProducerRate = Double() },
                    "--duration" or "-z" => o with { DurationSeconds = Double() },
                    "--pmessages" or "-C" => o with { ProducerMessageCount = Long() },
                    "--expect" => o with { ExpectedMessages = Long() },
                    "--warmup" => o with { WarmupSeconds = Double() },
                    "--drain-idle" => o with { DrainIdleSeconds = Double() },
                    "--max-run" => o with { MaxRunSeconds = Double() },
                    "--publish-only" => o with { Mode = RunMode.PublishOnly },
                    "--consume-only" => o with { Mode = RunMode.ConsumeOnly },
                    "--keep-topology" => o with { KeepTopology = true },
                    "--label" => o with { Label = Next() },
                    "--quiet" => o with { Quiet = true },
                    _ => throw new FormatException($"unknown option {name}"),
                };
            }
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }

        if (!durationGiven && o.ProducerMessageCount == 0 && o.Producers > 0 && o.Mode != RunMode.ConsumeOnly)
        {
            o = o with { DurationSeconds = 10 };
        }

        error = Validate(o);
        return error is null ? o : null;
    }

    private static string? Validate(PerfTestOptions o)
    {
        if (o.Producers < 0 || o.Consumers < 0 || o.Queues < 1 || o.IdleConnections < 0)
        {
            return "producers, consumers and idle connections must be >= 0, queues >= 1";
        }

        if (o.ConfirmWindow < 0 || o.Prefetch < 0 || o.Prefetch > ushort.MaxValue || o.MultiAckEvery < 1)
        {
            return "--confirm >= 0, --prefetch 0..65535, --multi-ack-every >= 1";
        }

        if (o.Qos is not (0 or 1))
        {
            return "--qos must be 0 or 1";
        }

        if (!o.QueuePattern.Contains("%d", StringComparison.Ordinal) && o.Queues > 1)
        {
            return "--queue-pattern needs %d when --queues > 1";
        }

        if (StompError(o) is { } stompError)
        {
            return stompError;
        }

        if (o.IsMqtt && o.Persistent)
        {
            return "--persistent has no meaning over MQTT; use --qos 1";
        }

        if (o.IsMqtt && (o.QueueArguments is not null || o.DeadLetterQueue is not null))
        {
            return "--queue-args and --dead-letter-queue need AMQP";
        }

        if (o.DeadLetterQueue is not null && o.QueueArguments is { } arguments
            && (arguments.ContainsKey("x-dead-letter-exchange") || arguments.ContainsKey("x-dead-letter-routing-key")))
        {
            return "--dead-letter-queue sets x-dead-letter-exchange and x-dead-letter-routing-key itself; leave them out of --queue-args";
        }

        return null;
    }

    /// <summary>What STOMP cannot express: refused rather than silently dropped.</summary>
    private static string? StompError(PerfTestOptions o)
    {
        if (!o.IsStomp)
        {
            return null;
        }

        if (o.IsMqtt)
        {
            return "--stomp and --mqtt exclude each other";
        }

        if (o.DurableQueues)
        {
            return "--durable has no STOMP header to set: /queue/ destinations are durable queues on RabbitMQ, ActiveMQ and Courier";
        }

        if (o.Qos != 0 || o.MqttPersistentSession)
        {
            return "--qos and --mqtt-persistent-session need MQTT";
        }

        if (o.QueueArguments is not null || o.DeadLetterQueue is not null)
        {
            return "--queue-args and --dead-letter-queue need AMQP";
        }

        return o.Mode != RunMode.Normal ? "--publish-only and --consume-only need AMQP" : null;
    }
}
