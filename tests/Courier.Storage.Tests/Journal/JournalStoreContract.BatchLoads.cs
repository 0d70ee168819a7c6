using Courier.Core.Messages;
using Courier.Core.Storage;
using Courier.Storage.Journal;
using Courier.Storage.Tests.Support;

namespace Courier.Storage.Tests.Journal;

/// <summary>Loading a queue's read-ahead batch at once gives what loading each message would, wherever the records are.</summary>
public abstract partial class JournalStoreContract
{
    [Fact]
    public async Task A_batch_load_returns_each_message_in_order_across_gaps_segments_and_unwritten_records()
    {
        Start(new JournalOptions { SegmentSize = 16 * 1024 });
        var written = new List<(StoredMessage Stored, Message Message)>();
        for (var n = 0; n < 40; n++)
        {
            var message = SampleMessages.Plain(n, bodySize: 100 + (n * 37 % 900));
            var queue = n % 3 == 0 ? 2 : 1;
            var stored = Store.AppendMessage(message, [queue]);
            written.Add((stored, message));
            if (n % 4 == 1)
            {
                // Records that are not the batch's between its own: this message and its settle.
                Store.AppendSettle(queue, stored.Ref);
            }
        }

        // Most of it written to the segment files; a last few still pending in memory.
        await AwaitDurable(written[^1].Stored.CommitSequence);
        for (var n = 40; n < 44; n++)
        {
            var message = SampleMessages.Plain(n, bodySize: 64);
            written.Add((Store.AppendMessage(message, [1]), message));
        }

        var batch = written.Where((_, n) => n % 4 != 1).ToList();
        MessageRef[] references = [.. batch.Select(w => w.Stored.Ref)];
        var loaded = new Message[references.Length];
        Store.Load(references, loaded);

        Assert.True(batch.Select(w => w.Stored.Location.Segment).Distinct().Count() > 1, "the batch spans segments");
        for (var i = 0; i < batch.Count; i++)
        {
            SampleMessages.AssertSameMessage(batch[i].Message, loaded[i]);
        }
    }
}
