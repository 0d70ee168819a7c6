using System.Text;
using Courier.Core.Messages;
using Courier.Core.Queues;

namespace Courier.Core.Tests.Support;

/// <summary>Small messages whose body is a readable label, so tests can assert on order.</summary>
internal static class TestMessages
{
    public static Message Create(string routingKey = "", string body = "", IReadOnlyDictionary<string, object?>? headers = null) =>
        new("x", routingKey, headers is null ? MessageProperties.Empty : new MessageProperties { Headers = headers }, Encoding.UTF8.GetBytes(body));

    public static string BodyText(this QueuedMessage message) => Encoding.UTF8.GetString(message.Message.Body.Span);
}
