namespace Courier.Stomp.Frames;

/// <summary>The agreed heart-beat intervals of a connection; <see cref="TimeSpan.Zero"/> means none in that direction.</summary>
public readonly record struct StompHeartBeatIntervals(TimeSpan ClientToServer, TimeSpan ServerToClient);
