using System.Diagnostics.CodeAnalysis;

namespace Courier.Core.Security;

/// <summary>
/// RabbitMQ's <c>rabbit_password_hashing_sha256</c> form of a password hash, as its definitions
/// files carry it: base64 of a 4-byte salt followed by SHA-256(salt ++ UTF-8 password). A
/// <see cref="User"/> keeps the same two parts, so a user exported by RabbitMQ logs in to Courier
/// with the same password and a user Courier exports logs in to RabbitMQ.
/// </summary>
/// <remarks>
/// Users created before Courier adopted RabbitMQ's 4-byte salt have a 16-byte one: they are
/// exported as base64(16-byte salt ++ hash), which Courier reads back by its length (48 bytes)
/// but RabbitMQ cannot check; changing the password gives them the 4-byte form.
/// </remarks>
public static class RabbitPasswordHash
{
    /// <summary>The <c>hashing_algorithm</c> value of the form.</summary>
    public const string Algorithm = "rabbit_password_hashing_sha256";

    private const int HashBytes = 32;
    private const int RabbitSaltBytes = 4;
    private const int LegacySaltBytes = 16;

    /// <summary>The user's salt and hash in RabbitMQ's form.</summary>
    public static string Encode(User user)
    {
        var bytes = new byte[user.PasswordSalt.Length + user.PasswordHash.Length];
        user.PasswordSalt.CopyTo(bytes);
        user.PasswordHash.CopyTo(bytes.AsSpan(user.PasswordSalt.Length));
        return Convert.ToBase64String(bytes);
    }

    /// <summary>
    /// Reads a <c>password_hash</c>. An empty one gives a user no password can log in as (as
    /// RabbitMQ's passwordless users). Returns false, with the reason, for anything else that is not
    /// base64 of a 4- or 16-byte salt and a SHA-256 hash.
    /// </summary>
    public static bool TryDecode(string passwordHash, out byte[] salt, out byte[] hash, [NotNullWhen(false)] out string? error)
    {
        salt = [];
        hash = [];
        error = null;
        if (passwordHash.Length == 0)
        {
            return true;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(passwordHash);
        }
        catch (FormatException)
        {
            error = "password_hash is not base64";
            return false;
        }

        if (bytes.Length is not (RabbitSaltBytes + HashBytes) and not (LegacySaltBytes + HashBytes))
        {
            error = $"password_hash must be a {RabbitSaltBytes}-byte salt and a SHA-256 hash ({RabbitSaltBytes + HashBytes} bytes), not {bytes.Length} bytes";
            return false;
        }

        salt = bytes[..^HashBytes];
        hash = bytes[^HashBytes..];
        return true;
    }
}
