using System.Security.Cryptography;
using System.Text;
using Courier.Core.Deduplication;

namespace Courier.Storage.Deduplication;

/// <summary>
/// Keeps each disk-persistent de-duplication cache in its own file under <c>dedup/</c> in the data
/// directory, named by a hash of its vhost and exchange name (names may be longer than a file name).
/// </summary>
public sealed class FileDeduplicationLogStore(string dataDirectory) : IDeduplicationLogStore
{
    private readonly string _directory = Path.Combine(dataDirectory, "dedup");

    public IDeduplicationLog Open(string virtualHost, string exchange)
    {
        Directory.CreateDirectory(_directory);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(virtualHost + "\0" + exchange));
        return new FileDeduplicationLog(Path.Combine(_directory, Convert.ToHexStringLower(hash) + ".log"));
    }
}
