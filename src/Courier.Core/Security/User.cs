using System.Security.Cryptography;
using System.Text;

namespace Courier.Core.Security;

/// <summary>A user who may connect. The password is kept only as a salted SHA-256 hash.</summary>
public sealed class User
{
    private readonly byte[] _salt;
    private readonly byte[] _passwordHash;

    public User(string name, string password, IReadOnlyList<string> tags)
    {
        Name = name;
        Tags = tags;
        _salt = RandomNumberGenerator.GetBytes(4); // RabbitMQ's salt size: see RabbitPasswordHash
        _passwordHash = Hash(_salt, password);
    }

    /// <summary>Recreates a user from its stored salt and hash.</summary>
    public User(string name, byte[] salt, byte[] passwordHash, IReadOnlyList<string> tags)
    {
        Name = name;
        Tags = tags;
        _salt = salt;
        _passwordHash = passwordHash;
    }

    public string Name { get; }

    public ReadOnlySpan<byte> PasswordSalt => _salt;

    public ReadOnlySpan<byte> PasswordHash => _passwordHash;

    public IReadOnlyList<string> Tags { get; }

    public bool CheckPassword(string password) =>
        CryptographicOperations.FixedTimeEquals(Hash(_salt, password), _passwordHash);

    private static byte[] Hash(byte[] salt, string password)
    {
        var bytes = new byte[salt.Length + Encoding.UTF8.GetByteCount(password)];
        salt.CopyTo(bytes, 0);
        Encoding.UTF8.GetBytes(password, bytes.AsSpan(salt.Length));
        return SHA256.HashData(bytes);
    }
}
