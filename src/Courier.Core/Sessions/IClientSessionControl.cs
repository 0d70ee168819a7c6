namespace Courier.Core.Sessions;

/// <summary>What the core may ask of the protocol behind a <see cref="ClientSession"/>; implemented by each protocol's connection.</summary>
public interface IClientSessionControl
{
    /// <summary>Closes the client the protocol's way, giving <paramref name="reason"/>; must not block and may be called from any thread.</summary>
    void Close(string reason);
}
