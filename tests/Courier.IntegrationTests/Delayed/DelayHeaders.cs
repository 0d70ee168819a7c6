using System.Globalization;
using Courier.IntegrationTests.Model;

namespace Courier.IntegrationTests.Delayed;

/// <summary>Reading the delayed-message plugin's header off a delivery.</summary>
internal static class DelayHeaders
{
    /// <summary>The <c>x-delay</c> header as delivered, if it is there.</summary>
    public static long? DelayHeader(this Delivery delivery) =>
        delivery.Properties.Headers?.TryGetValue("x-delay", out var value) == true ? Convert.ToInt64(value, CultureInfo.InvariantCulture) : null;
}
