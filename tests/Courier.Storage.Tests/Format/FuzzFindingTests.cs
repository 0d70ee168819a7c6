using Courier.Storage.Format;

namespace Courier.Storage.Tests.Format;

/// <summary>
/// Inputs afl-fuzz found (fuzz/run.sh, target stored-message) that made the decoder throw something
/// other than its refusal, <see cref="InvalidDataException"/>. Each is kept as found; the inputs are
/// also in fuzz/corpus/stored-message/.
/// </summary>
public sealed class FuzzFindingTests
{
    [Theory]
    // QoS bits holding 3: MessageAnnotations' setter threw ArgumentOutOfRangeException.
    [InlineData("00000000190000000203e808000000000203e9630000")]
    public void A_damaged_stored_message_is_refused_as_invalid_data(string hex)
    {
        var bytes = Convert.FromHexString(hex);

        var position = 0;
        Assert.Throws<InvalidDataException>(() => StoredMessageCodec.Read(bytes, ref position));
    }
}
