using System.Reflection;
using System.Text;
using Courier.Amqp091.Framing;
using Courier.Core.Messages;

namespace Courier.Amqp091.Tests.Framing;

/// <summary>
/// Finds the generated method structs by reflection and builds instances whose every argument
/// differs from its default, so a decoder that drops or swaps a field cannot pass by accident.
/// </summary>
internal static class MethodSamples
{
    private static readonly Lazy<IReadOnlyDictionary<string, Type>> TypesByNameLazy = new(FindMethodTypes);

    /// <summary>Every generated struct implementing <see cref="IAmqpMethod"/>, by its spec name.</summary>
    public static IReadOnlyDictionary<string, Type> TypesByName => TypesByNameLazy.Value;

    public static IAmqpMethod CreateDefault(Type type) => (IAmqpMethod)Activator.CreateInstance(type)!;

    /// <summary>The method's arguments: its public settable (init) properties, in declaration order.</summary>
    public static PropertyInfo[] Arguments(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true })
            .OrderBy(p => p.MetadataToken)];

    public static IAmqpMethod WithEveryArgumentSet(Type type)
    {
        var defaults = CreateDefault(type);
        object boxed = CreateDefault(type);
        var arguments = Arguments(type);
        for (var i = 0; i < arguments.Length; i++)
        {
            var property = arguments[i];
            var value = NonDefaultValue(property, i, property.GetValue(defaults));
            property.SetValue(boxed, value);
        }

        return (IAmqpMethod)boxed;
    }

    /// <summary>An instance with every bit argument false except <paramref name="onlyTrue"/>; other arguments keep their defaults.</summary>
    public static IAmqpMethod WithOnlyBitSet(Type type, PropertyInfo onlyTrue)
    {
        object boxed = CreateDefault(type);
        foreach (var property in Arguments(type))
        {
            if (property.PropertyType == typeof(bool))
            {
                property.SetValue(boxed, property.Name == onlyTrue.Name);
            }
        }

        return (IAmqpMethod)boxed;
    }

    /// <summary>
    /// A value for the argument at <paramref name="index"/> that differs from its default and from
    /// every other argument's value, with distinct bytes so a byte-order slip shows.
    /// </summary>
    public static object NonDefaultValue(PropertyInfo property, int index, object? defaultValue)
    {
        var type = property.PropertyType;
        object value = type switch
        {
            _ when type == typeof(bool) => !(bool)defaultValue!,
            _ when type == typeof(byte) => (byte)(0xF0 + index),
            _ when type == typeof(ushort) => (ushort)(0xA1B0 + index),
            _ when type == typeof(uint) => 0xC1D2E3F0u + (uint)index,
            _ when type == typeof(ulong) => 0x0102030405060708ul + (ulong)index,
            _ when type == typeof(string) => $"{property.Name}-\u00e9\u4e2d-{index}",
            _ when type == typeof(byte[]) => Encoding.UTF8.GetBytes($"\0{property.Name}\u00ff{index}"),
            _ when type == typeof(Timestamp) => new Timestamp(1_700_000_000 + index),
            _ when type == typeof(IReadOnlyDictionary<string, object?>) => SampleTable(index),
            _ => throw new NotSupportedException($"no sample value for {property.DeclaringType!.Name}.{property.Name} of type {type}"),
        };

        if (FieldTable.ValueEquals(value, defaultValue))
        {
            throw new InvalidOperationException($"the sample for {property.DeclaringType!.Name}.{property.Name} equals its default");
        }

        return value;
    }

    private static Dictionary<string, object?> SampleTable(int index) => new()
    {
        [$"x-message-ttl-{index}"] = 60_000,
        ["x-queue-type"] = "quorum"u8.ToArray(),
        ["x-max-priority"] = (byte)10,
        ["nested"] = new Dictionary<string, object?> { ["flag"] = true, ["void"] = null },
        ["list"] = new List<object?> { 1L, "two"u8.ToArray(), new Timestamp(3) },
    };

    private static Dictionary<string, Type> FindMethodTypes()
    {
        var types = new Dictionary<string, Type>();
        foreach (var type in typeof(IAmqpMethod).Assembly.GetTypes())
        {
            if (type.IsValueType && typeof(IAmqpMethod).IsAssignableFrom(type))
            {
                types.Add(CreateDefault(type).Name, type);
            }
        }

        return types;
    }
}
