using Courier.Amqp091.Framing;
using Courier.Core.Messages;
using FsCheck.Xunit;
using Xunit;

namespace Courier.Amqp091.Tests.Framing;

public class FieldTablePropertyTests
{
    [Property(Arbitrary = [typeof(RandomFieldTables)], MaxTest = 500)]
    public void Random_tables_round_trip(RandomTable random)
    {
        var bytes = TableBytes.Encode(random.Table);

        var decoded = TableBytes.Decode(bytes);

        Assert.True(FieldTable.TableEquals(random.Table, decoded));
        Assert.Equal(bytes, TableBytes.Encode(decoded));
    }

    [Property(Arbitrary = [typeof(RandomFieldTables)], MaxTest = 500)]
    public void A_corrupted_table_is_either_read_or_refused_with_syntax_error(RandomTable random, int position, byte replacement)
    {
        var bytes = TableBytes.Encode(random.Table);
        bytes[(int)((uint)position % (uint)bytes.Length)] = replacement;

        try
        {
            var reader = new AmqpReader(bytes);
            reader.ReadTable();
        }
        catch (AmqpProtocolException error)
        {
            Assert.Equal(AmqpConstants.SyntaxError, error.ReplyCode);
        }
    }
}
