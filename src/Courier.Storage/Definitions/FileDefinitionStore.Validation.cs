namespace Courier.Storage.Definitions;

/// <summary>
/// What definitions.json must hold before it is turned into definitions: every list and name the
/// file format has, and base64 where it says base64. A file that parses as JSON but lacks one (a
/// hand edit, a damaged disk) is refused at start with <see cref="InvalidDataException"/> naming
/// the file, as a JSON syntax error is, rather than failing with a null reference or a format
/// error from deep inside the load (found by fuzzing, docs/fuzzing.md).
/// </summary>
public sealed partial class FileDefinitionStore
{
    private static void Validate(SnapshotFile file, string path)
    {
        Require(file.Users, path, "Users");
        Require(file.Permissions, path, "Permissions");
        Require(file.VirtualHosts, path, "VirtualHosts");
        foreach (var user in file.Users)
        {
            Require(user, path, "a user");
            Require(user.Name, path, "a user's Name");
            Require(user.Salt, path, $"user {user.Name}'s Salt");
            Require(user.PasswordHash, path, $"user {user.Name}'s PasswordHash");
            Require(user.Tags, path, $"user {user.Name}'s Tags");
            foreach (var tag in user.Tags)
            {
                Require(tag, path, $"a tag of user {user.Name}");
            }
        }

        foreach (var permission in file.Permissions)
        {
            Require(permission, path, "a permission");
            Require(permission.User, path, "a permission's User");
            Require(permission.VirtualHost, path, "a permission's VirtualHost");
            Require(permission.Configure, path, "a permission's Configure");
            Require(permission.Write, path, "a permission's Write");
            Require(permission.Read, path, "a permission's Read");
        }

        foreach (var permission in file.TopicPermissions ?? [])
        {
            Require(permission, path, "a topic permission");
            Require(permission.User, path, "a topic permission's User");
            Require(permission.VirtualHost, path, "a topic permission's VirtualHost");
            Require(permission.Exchange, path, "a topic permission's Exchange");
            Require(permission.Write, path, "a topic permission's Write");
            Require(permission.Read, path, "a topic permission's Read");
        }

        foreach (var host in file.VirtualHosts)
        {
            ValidateVirtualHost(host, path);
        }
    }

    private static void ValidateVirtualHost(VirtualHostFile host, string path)
    {
        Require(host, path, "a virtual host");
        Require(host.Name, path, "a virtual host's Name");
        Require(host.Exchanges, path, $"virtual host {host.Name}'s Exchanges");
        Require(host.Queues, path, $"virtual host {host.Name}'s Queues");
        Require(host.Bindings, path, $"virtual host {host.Name}'s Bindings");
        foreach (var exchange in host.Exchanges)
        {
            Require(exchange, path, $"an exchange of {host.Name}");
            Require(exchange.Name, path, $"an exchange's Name in {host.Name}");
            Require(exchange.Type, path, $"exchange {exchange.Name}'s Type");
        }

        foreach (var queue in host.Queues)
        {
            Require(queue, path, $"a queue of {host.Name}");
            Require(queue.Name, path, $"a queue's Name in {host.Name}");
        }

        foreach (var binding in host.Bindings)
        {
            Require(binding, path, $"a binding of {host.Name}");
            Require(binding.Source, path, $"a binding's Source in {host.Name}");
            Require(binding.Destination, path, $"a binding's Destination in {host.Name}");
            Require(binding.RoutingKey, path, $"a binding's RoutingKey in {host.Name}");
        }
    }

    private static void Require(object? value, string path, string what)
    {
        if (value is null)
        {
            throw new InvalidDataException($"{path} lacks {what}; the file is damaged, refusing to start");
        }
    }

    private static byte[] FromBase64(string value)
    {
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"definitions.json holds '{value}' where base64 belongs; the file is damaged, refusing to start", e);
        }
    }
}
