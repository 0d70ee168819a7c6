using System.Globalization;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// The seed of a crash test's random choices (crash times, consumer behaviour): random per run,
/// or fixed with <c>COURIER_CRASH_SEED</c> to replay a failure. Tests print it first.
/// </summary>
internal static class CrashSeed
{
    public const string Variable = "COURIER_CRASH_SEED";

    public static int Choose() =>
        int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : Random.Shared.Next();
}
