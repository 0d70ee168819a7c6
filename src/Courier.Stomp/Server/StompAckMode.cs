namespace Courier.Stomp.Server;

/// <summary>A subscription's <c>ack</c> header.</summary>
internal enum StompAckMode
{
    /// <summary>Settled as it is sent (the default).</summary>
    Auto,

    /// <summary>An ACK or NACK settles the message it names and every earlier one of the subscription.</summary>
    Client,

    /// <summary>An ACK or NACK settles the message it names alone.</summary>
    ClientIndividual,
}
