namespace Courier.Amqp091.Framing;

/// <summary>
/// An AMQP 0-9-1 method. The structs implementing it are generated from the spec
/// (tools/amqp-codegen); each also has a static <c>Read(ref AmqpReader)</c>.
/// </summary>
public interface IAmqpMethod
{
    ushort ClassId { get; }

    ushort MethodId { get; }

    /// <summary>True for methods followed by a content header and body (publish, deliver, return, get-ok).</summary>
    bool HasContent { get; }

    /// <summary>True for requests the peer must answer with a matching -ok method.</summary>
    bool IsSynchronousRequest { get; }

    /// <summary>The spec's name, e.g. <c>basic.publish</c>.</summary>
    string Name { get; }

    /// <summary>Bytes the arguments take on the wire, excluding the class and method ids.</summary>
    int MeasureArguments();

    void WriteArguments(ref AmqpWriter writer);
}
