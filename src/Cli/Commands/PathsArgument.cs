using System.CommandLine;

namespace PtLock.Cli.Commands;

/// <summary>The <c>paths...</c> argument <c>check</c> and <c>fix</c> share.</summary>
internal static class PathsArgument
{
    public static Argument<string[]> Create() => new("paths")
    {
        Description = ".cs files, folders (every *.cs below, bin/ and obj/ skipped) or .csproj files (their folder); "
                      + "the current directory when none is given",
        Arity = ArgumentArity.ZeroOrMore,
    };
}
