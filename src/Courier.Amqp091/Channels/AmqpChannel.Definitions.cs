using Courier.Amqp091.Framing;
using Courier.Core;
using Courier.Core.Exchanges;
using Courier.Core.Queues;
using Courier.Core.Security;
using Courier.Core.Storage;

namespace Courier.Amqp091.Channels;

/// <summary>exchange.* and queue.* methods: declarations, bindings, purge and delete.</summary>
internal sealed partial class AmqpChannel
{
    private void OnExchangeDeclare(ExchangeDeclare method)
    {
        if (method.Exchange.Length == 0 && !method.Passive)
        {
            throw BrokerException.AccessRefused("operation not permitted on the default exchange");
        }

        if (!method.Passive)
        {
            Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Configure, "exchange", method.Exchange);
        }

        VirtualHost.DeclareExchange(
            method.Exchange,
            new ExchangeDefinition
            {
                Type = method.Type,
                Durable = method.Durable,
                AutoDelete = method.AutoDelete,
                Internal = method.Internal,
                Arguments = method.Arguments,
            },
            method.Passive);
        if (!method.Nowait)
        {
            Write(new ExchangeDeclareOk());
        }
    }

    private void OnExchangeDelete(ExchangeDelete method)
    {
        Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Configure, "exchange", method.Exchange);
        try
        {
            VirtualHost.DeleteExchange(method.Exchange, method.IfUnused);
        }
        catch (BrokerException e) when (e.Error == BrokerError.NotFound)
        {
            // Deleting what is not there succeeds, as in RabbitMQ.
        }

        if (!method.Nowait)
        {
            Write(new ExchangeDeleteOk());
        }
    }

    private void OnExchangeBind(ExchangeBind method)
    {
        Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Write, "exchange", method.Destination);
        Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Read, "exchange", method.Source);
        VirtualHost.BindExchange(method.Destination, method.Source, method.RoutingKey, method.Arguments);
        if (!method.Nowait)
        {
            Write(new ExchangeBindOk());
        }
    }

    private void OnExchangeUnbind(ExchangeUnbind method)
    {
        Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Write, "exchange", method.Destination);
        Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Read, "exchange", method.Source);
        VirtualHost.UnbindExchange(method.Destination, method.Source, method.RoutingKey, method.Arguments);
        if (!method.Nowait)
        {
            Write(new ExchangeUnbindOk());
        }
    }

    private void OnQueueDeclare(QueueDeclare method)
    {
        var name = method.Queue;
        if (method.Passive && string.Equals(name, Core.VirtualHosts.VirtualHost.DirectReplyQueue, StringComparison.Ordinal))
        {
            // The direct reply-to pseudo-queue always "exists", empty and without consumers.
            if (!method.Nowait)
            {
                Write(new QueueDeclareOk { Queue = name });
            }

            return;
        }

        if (method.Passive)
        {
            name = ResolveQueueName(name);
        }
        else if (name.Length > 0)
        {
            Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Configure, "queue", name);
        }

        var result = VirtualHost.DeclareQueue(
            name,
            new QueueDefinition
            {
                Durable = method.Durable,
                Exclusive = method.Exclusive,
                AutoDelete = method.AutoDelete,
                Arguments = method.Arguments,
            },
            method.Passive,
            Owner);

        if (name.Length == 0)
        {
            // A server-named queue is checked once it has its name; refused, it is removed again.
            try
            {
                Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Configure, "queue", result.Queue.Name);
            }
            catch (BrokerException)
            {
                VirtualHost.DeleteQueue(result.Queue.Name, ifUnused: false, ifEmpty: false, Owner);
                throw;
            }
        }

        _lastQueueName = result.Queue.Name;
        if (!method.Nowait)
        {
            Write(new QueueDeclareOk
            {
                Queue = result.Queue.Name,
                MessageCount = (uint)result.MessageCount,
                ConsumerCount = (uint)result.ConsumerCount,
            });
        }
    }

    private void OnQueueBind(QueueBind method)
    {
        var queue = ResolveQueueName(method.Queue);
        Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Write, "queue", queue);
        Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Read, "exchange", method.Exchange);
        AuthorizeTopic(VirtualHost.TryGetExchange(method.Exchange, out var source) ? source : null, AccessKind.Read, method.RoutingKey);
        VirtualHost.BindQueue(queue, method.Exchange, method.RoutingKey, method.Arguments, Owner);
        if (!method.Nowait)
        {
            Write(new QueueBindOk());
        }
    }

    private void OnQueueUnbind(QueueUnbind method)
    {
        var queue = ResolveQueueName(method.Queue);
        Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Write, "queue", queue);
        Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Read, "exchange", method.Exchange);
        VirtualHost.UnbindQueue(queue, method.Exchange, method.RoutingKey, method.Arguments, Owner);
        Write(new QueueUnbindOk());
    }

    private void OnQueuePurge(QueuePurge method)
    {
        var queue = ResolveQueueName(method.Queue);
        Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Read, "queue", queue);
        var count = VirtualHost.PurgeQueue(queue, Owner);
        if (method.Nowait)
        {
            return;
        }

        // purge-ok promises the purge survives a crash: it waits for the settles to be durable.
        if (count > 0 && Broker.Store is { AppendedSequence: > 0 } store)
        {
            store.WhenDurable(store.AppendedSequence, new PurgeWaiter(this, (uint)count));
        }
        else
        {
            Write(new QueuePurgeOk { MessageCount = (uint)count });
        }
    }

    private sealed class PurgeWaiter(AmqpChannel channel, uint count) : IDurabilityWaiter
    {
        public void OnDurable(long sequence) => channel.Write(new QueuePurgeOk { MessageCount = count });

        public void OnStoreFailed() => channel._connection.Abort();
    }

    private void OnQueueDelete(QueueDelete method)
    {
        var queue = ResolveQueueName(method.Queue);
        Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Configure, "queue", queue);
        var count = 0;
        try
        {
            count = VirtualHost.DeleteQueue(queue, method.IfUnused, method.IfEmpty, Owner);
        }
        catch (BrokerException e) when (e.Error == BrokerError.NotFound)
        {
            // Deleting what is not there succeeds, as in RabbitMQ.
        }

        if (!method.Nowait)
        {
            Write(new QueueDeleteOk { MessageCount = (uint)count });
        }
    }
}
