using Courier.Fuzz;
using SharpFuzz;

// Courier.Fuzz <target>            : the target under afl-fuzz (input on stdin, SharpFuzz's fork server)
// Courier.Fuzz <target> <file>...  : replays inputs once each, printing the finding (exit 1) or "ok"
// Courier.Fuzz --list              : the target names
// Courier.Fuzz --seed <directory>  : writes the seed corpus, one folder per target, from the codecs' own encoders
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: Courier.Fuzz <target> [input-file...] | --list | --seed <corpus-directory>");
    Console.Error.WriteLine($"targets: {string.Join(' ', FuzzTargets.Names)}");
    return 2;
}

if (args[0] == "--list")
{
    foreach (var name in FuzzTargets.Names)
    {
        Console.WriteLine(name);
    }

    return 0;
}

if (args[0] == "--seed" && args.Length == 2)
{
    SeedCorpus.Write(args[1]);
    return 0;
}

if (!FuzzTargets.TryGet(args[0], out var target))
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; targets: {string.Join(' ', FuzzTargets.Names)}");
    return 2;
}

if (args.Length > 1)
{
    var failed = 0;
    foreach (var path in args.Skip(1))
    {
        try
        {
            FuzzTargets.RunOne(target, File.ReadAllBytes(path));
            Console.WriteLine(FuzzTargets.LastRefusal is { } refusal ? $"refused ({refusal.GetType().Name}: {refusal.Message}): {path}" : $"ok: {path}");
        }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine($"FINDING: {path}: {e}");
        }
    }

    return failed == 0 ? 0 : 1;
}

// Out of process: SharpFuzz runs the target in a child it restarts after a crash it cannot
// catch (a stack overflow, a heap limit), so every finding is reported rather than killing the server.
Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    FuzzTargets.RunOne(target, copy.ToArray());
});
return 0;
