namespace Courier.Core.Delayed;

/// <summary>A delayed exchange's key in the store, and its name.</summary>
public readonly record struct DelayedExchangeKey(int Key, string VirtualHost, string Exchange);
