using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Courier.Core;
using Courier.Management.Endpoints;
using Courier.Management.Routing;

namespace Courier.Fuzz;

/// <summary>
/// The management API's PUT bodies, through the parsing and validation the endpoints themselves
/// use, against a broker in memory: the input's first byte picks the body (a queue, an exchange, a
/// binding, a policy, a user, a permission, a topic permission), the rest is the body's bytes. A
/// bad body is refused with <see cref="ApiException"/> (400) or the model's
/// <see cref="BrokerException"/>, unparsable JSON with <see cref="JsonException"/>, as
/// <c>ApiRequest.BodyAsync</c> turns it into a 400; anything else escaping is a finding (a 500).
/// </summary>
internal static class ManagementTargets
{
    private static readonly Broker Broker = new(new BrokerOptions());
    private static long s_inputs;

    public static void Bodies(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        // A virtual host per input, deleted after it: what one body declares does not pile up.
        var name = "fuzz-" + Interlocked.Increment(ref s_inputs);
        var virtualHost = Broker.AddVirtualHost(name);
        try
        {
            var body = Body(input.AsSpan(1));
            switch (input[0] % 7)
            {
                case 0:
                    QueueEndpoints.Declare(virtualHost, "q", body);
                    break;
                case 1:
                    ExchangeEndpoints.Declare(virtualHost, "x", body);
                    break;
                case 2:
                    QueueEndpoints.Declare(virtualHost, "q", []);
                    _ = BindingEndpoints.Bind(virtualHost, "amq.topic", "q", toQueue: true, body);
                    break;
                case 3:
                    QueueEndpoints.Declare(virtualHost, "q", []);
                    _ = PolicyEndpoints.Set(virtualHost, "p", body, operatorPolicy: input[0] >= 128);
                    break;
                case 4:
                    _ = UserEndpoints.Build(Broker.Users, "u", body);
                    break;
                case 5:
                    _ = UserEndpoints.BuildPermission(Broker.Users, "guest", body);
                    break;
                default:
                    _ = UserEndpoints.BuildTopicPermission(Broker.Users, "guest", body);
                    break;
            }
        }
        catch (Exception e) when (e is ApiException or BrokerException or JsonException)
        {
            FuzzTargets.Refused(e);
        }
        finally
        {
            Broker.DeleteVirtualHost(name);
        }
    }

    /// <summary>The body as <c>ApiRequest.BodyAsync</c> reads it: text, empty as an empty object, otherwise a JSON object.</summary>
    private static JsonObject Body(ReadOnlySpan<byte> bytes) => ApiRequest.ParseBody(Encoding.UTF8.GetString(bytes));
}
