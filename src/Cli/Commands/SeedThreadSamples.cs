namespace PtLock.Cli.Commands;

/// <summary>
/// Finds <c>samples/SeedThreads</c>: above the current directory (running inside a checkout), else in or above
/// the tool's own folder (the sources are copied next to the tool, so an installed tool finds its own copy).
/// </summary>
internal static class SeedThreadSamples
{
    public static readonly string RelativePath = Path.Combine("samples", "SeedThreads");

    public const string PreFixMarker = ".PreFix.";
    public const string PostFixMarker = ".PostFix.";

    public static string Find(string workingDirectory, string toolDirectory)
    {
        foreach (string start in new[] { workingDirectory, toolDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, RelativePath);
                if (Directory.Exists(candidate))
                    return candidate;
            }
        }
        throw new CliInputException(
            $"the seed-thread samples ({RelativePath.Replace('\\', '/')}) were not found above the current directory or the tool's folder; "
            + "run ptlock inside a PtLock checkout, or give it paths: ptlock check <files|folders|project.csproj>");
    }
}
