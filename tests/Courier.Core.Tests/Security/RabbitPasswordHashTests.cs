using System.Security.Cryptography;
using System.Text;
using Courier.Core.Security;

namespace Courier.Core.Tests.Security;

public sealed class RabbitPasswordHashTests
{
    [Fact]
    public void A_hash_made_as_RabbitMQ_makes_it_checks_the_password()
    {
        // RabbitMQ's rabbit_password_hashing_sha256: base64(salt ++ sha256(salt ++ password)), 4-byte salt.
        byte[] salt = [0xB9, 0xF9, 0x65, 0x3C];
        var hashed = SHA256.HashData([.. salt, .. Encoding.UTF8.GetBytes("s3cret")]);
        var passwordHash = Convert.ToBase64String([.. salt, .. hashed]);

        Assert.True(RabbitPasswordHash.TryDecode(passwordHash, out var readSalt, out var readHash, out _));
        var user = new User("migrated", readSalt, readHash, ["management"]);
        Assert.True(user.CheckPassword("s3cret"));
        Assert.False(user.CheckPassword("S3cret"));
        Assert.Equal(passwordHash, RabbitPasswordHash.Encode(user));
    }

    [Fact]
    public void New_users_get_RabbitMQs_4_byte_salt()
    {
        var user = new User("u", "p", []);
        Assert.Equal(4, user.PasswordSalt.Length);
        Assert.Equal(36, Convert.FromBase64String(RabbitPasswordHash.Encode(user)).Length);
    }

    [Fact]
    public void A_user_stored_with_the_former_16_byte_salt_still_logs_in_and_round_trips()
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var legacy = new User("old", salt, SHA256.HashData([.. salt, .. Encoding.UTF8.GetBytes("pw")]), []);
        Assert.True(legacy.CheckPassword("pw"));

        Assert.True(RabbitPasswordHash.TryDecode(RabbitPasswordHash.Encode(legacy), out var readSalt, out var readHash, out _));
        Assert.True(new User("old", readSalt, readHash, []).CheckPassword("pw"));
    }

    [Fact]
    public void A_hash_of_another_size_or_not_base64_is_refused_and_an_empty_one_admits_no_password()
    {
        Assert.False(RabbitPasswordHash.TryDecode("not base64!", out _, out _, out var error));
        Assert.Contains("base64", error, StringComparison.Ordinal);
        Assert.False(RabbitPasswordHash.TryDecode(Convert.ToBase64String(new byte[20]), out _, out _, out _));

        Assert.True(RabbitPasswordHash.TryDecode(string.Empty, out var salt, out var hash, out _));
        Assert.False(new User("nopass", salt, hash, []).CheckPassword(string.Empty));
    }
}
