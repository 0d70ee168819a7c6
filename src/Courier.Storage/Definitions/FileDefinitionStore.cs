using System.Text.Json;
using System.Text.Json.Serialization;
using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Storage;
using Courier.Storage.Format;
using Courier.Storage.Format.Legacy;

namespace Courier.Storage.Definitions;

/// <summary>
/// Durable definitions as one JSON file (<c>definitions.json</c>), replaced atomically on every
/// change: written to a temporary file, synced, then renamed over the old one, so a crash leaves
/// either the old or the new snapshot, never a mix. Argument tables are kept in Courier's own
/// table encoding (base64, <see cref="StoredTableCodec"/>) so every value keeps its exact type;
/// a version 1 file, whose tables are AMQP field tables, is still read.
/// </summary>
public sealed partial class FileDefinitionStore : IDefinitionStore
{
    /// <summary>2: argument tables in Courier's table encoding. 1: in AMQP 0-9-1's field-table encoding.</summary>
    private const int CurrentVersion = 2;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly string _path;

    public FileDefinitionStore(string directory)
    {
        _path = Path.Combine(directory, "definitions.json");
    }

    public DefinitionSnapshot? Load()
    {
        if (!File.Exists(_path))
        {
            return null;
        }

        var file = JsonSerializer.Deserialize<SnapshotFile>(File.ReadAllBytes(_path), JsonOptions)
                   ?? throw new InvalidDataException($"{_path} is empty");
        if (file.Version is < 1 or > CurrentVersion)
        {
            throw new InvalidDataException($"{_path} is version {file.Version}; this build reads versions 1 to {CurrentVersion}");
        }

        Validate(file, _path);
        return file.ToSnapshot();
    }

    public void Save(DefinitionSnapshot snapshot)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var temporary = _path + ".tmp";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(SnapshotFile.From(snapshot), JsonOptions);
        if (IsAlreadySaved(bytes))
        {
            // Nothing changed (a start-up that applies what is already there): writing the same
            // bytes again would only fail on a full disk, where start-up must still work.
            return;
        }

        try
        {
            using var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // Disk full or failing: the previous definitions.json stands; leave no partial copy.
            File.Delete(temporary);
            throw;
        }

        File.Move(temporary, _path, overwrite: true);
        Devices.DirectorySync.Sync(Path.GetDirectoryName(_path)!);
    }

    private bool IsAlreadySaved(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var info = new FileInfo(_path);
            return info.Exists && info.Length == bytes.Length && File.ReadAllBytes(_path).AsSpan().SequenceEqual(bytes);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string EncodeTable(IReadOnlyDictionary<string, object?> table)
    {
        if (table.Count == 0)
        {
            return string.Empty;
        }

        var buffer = new byte[StoredTableCodec.MeasureTable(table)];
        var position = 0;
        StoredTableCodec.WriteTable(buffer, ref position, table);
        return Convert.ToBase64String(buffer);
    }

    private static IReadOnlyDictionary<string, object?> DecodeTable(string? encoded, int version)
    {
        if (string.IsNullOrEmpty(encoded))
        {
            return FieldTable.Empty;
        }

        var bytes = FromBase64(encoded);
        var position = 0;
        return version == 1
            ? LegacyAmqpFieldTable.ReadTable(bytes, ref position)
            : StoredTableCodec.ReadTable(bytes, ref position);
    }

    // TopicPermissions is absent in files written before topic permissions, and the limits in files
    // written before vhost and user limits: none then.
    private sealed record SnapshotFile(int Version, int LastQueueStoreId, List<UserFile> Users, List<PermissionRecord> Permissions, List<VirtualHostFile> VirtualHosts, List<TopicPermissionRecord>? TopicPermissions)
    {
        public List<LimitRecord>? VirtualHostLimits { get; init; }

        public List<LimitRecord>? UserLimits { get; init; }

        public static SnapshotFile From(DefinitionSnapshot s) => new(
            CurrentVersion,
            s.LastQueueStoreId,
            [.. s.Users.Select(u => new UserFile(u.Name, Convert.ToBase64String(u.Salt), Convert.ToBase64String(u.PasswordHash), [.. u.Tags]))],
            s.Permissions,
            [.. s.VirtualHosts.Select(VirtualHostFile.From)],
            s.TopicPermissions)
        {
            VirtualHostLimits = s.VirtualHostLimits.Count > 0 ? s.VirtualHostLimits : null,
            UserLimits = s.UserLimits.Count > 0 ? s.UserLimits : null,
        };

        public DefinitionSnapshot ToSnapshot() => new()
        {
            LastQueueStoreId = LastQueueStoreId,
            Users = [.. Users.Select(u => new UserRecord(u.Name, FromBase64(u.Salt), FromBase64(u.PasswordHash), u.Tags))],
            Permissions = Permissions,
            TopicPermissions = TopicPermissions ?? [],
            VirtualHostLimits = VirtualHostLimits ?? [],
            UserLimits = UserLimits ?? [],
            VirtualHosts = [.. VirtualHosts.Select(v => v.ToRecord(Version))],
        };
    }

    private sealed record UserFile(string Name, string Salt, string PasswordHash, List<string> Tags);

    private sealed record ExchangeFile(string Name, string Type, bool AutoDelete, bool Internal, string? Arguments);

    // Type is absent in files written before queue types existed: those queues are all classic.
    private sealed record QueueFile(string Name, int StoreId, bool AutoDelete, string? Arguments, string? Type);

    private sealed record BindingFile(string Source, string Destination, bool DestinationIsQueue, string RoutingKey, string? Arguments);

    private sealed record PolicyFile(string Name, string Pattern, string ApplyTo, int Priority, string? Definition, bool Operator);

    // Policies is absent in files written before policies: none then.
    private sealed record VirtualHostFile(string Name, List<ExchangeFile> Exchanges, List<QueueFile> Queues, List<BindingFile> Bindings, List<PolicyFile>? Policies)
    {
        public static VirtualHostFile From(VirtualHostRecord v) => new(
            v.Name,
            [.. v.Exchanges.Select(e => new ExchangeFile(e.Name, e.Type, e.AutoDelete, e.Internal, EncodeTable(e.Arguments)))],
            [.. v.Queues.Select(q => new QueueFile(q.Name, q.StoreId, q.AutoDelete, EncodeTable(q.Arguments), q.Type))],
            [.. v.Bindings.Select(b => new BindingFile(b.Source, b.Destination, b.DestinationIsQueue, b.RoutingKey, EncodeTable(b.Arguments)))],
            v.Policies.Count == 0 ? null : [.. v.Policies.Select(p => new PolicyFile(p.Name, p.Pattern, p.ApplyTo, p.Priority, EncodeTable(p.Definition), p.Operator))]);

        public VirtualHostRecord ToRecord(int version) => new()
        {
            Name = Name,
            Exchanges = [.. Exchanges.Select(e => new ExchangeRecord(e.Name, e.Type, e.AutoDelete, e.Internal, DecodeTable(e.Arguments, version)))],
            Queues = [.. Queues.Select(q => new QueueRecord(q.Name, q.StoreId, q.AutoDelete, DecodeTable(q.Arguments, version), q.Type ?? ClassicQueueType.TypeName))],
            Bindings = [.. Bindings.Select(b => new BindingRecord(b.Source, b.Destination, b.DestinationIsQueue, b.RoutingKey, DecodeTable(b.Arguments, version)))],
            Policies = [.. (Policies ?? []).Select(p => new PolicyRecord(p.Name, p.Pattern, p.ApplyTo, p.Priority, DecodeTable(p.Definition, version), p.Operator))],
        };
    }
}
