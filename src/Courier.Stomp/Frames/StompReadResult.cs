namespace Courier.Stomp.Frames;

/// <summary>What one call of <see cref="StompFrameReader.TryRead"/> found at the front of the buffer.</summary>
public enum StompReadResult
{
    /// <summary>Only part of a frame (or a lone CR): nothing was consumed; read more and call again.</summary>
    NeedMore,

    /// <summary>A whole frame, consumed.</summary>
    Frame,

    /// <summary>One or more EOLs between frames, consumed: a heart-beat, which counts as traffic from the peer.</summary>
    HeartBeat,
}
