using Courier.Core.Exchanges;
using Courier.Core.Security;

namespace Courier.Amqp091.Channels;

/// <summary>Topic permissions, as RabbitMQ checks them: write on the routing key of a publish to a topic exchange, read on the binding key of a queue.bind from one.</summary>
internal sealed partial class AmqpChannel
{
    private void AuthorizeTopic(Exchange? exchange, AccessKind kind, string routingKey)
    {
        if (exchange is not null && exchange.Type == ExchangeTypes.Topic)
        {
            Broker.AuthorizeTopic(_connection.User!, VirtualHost, kind, exchange.Name, routingKey);
        }
    }
}
