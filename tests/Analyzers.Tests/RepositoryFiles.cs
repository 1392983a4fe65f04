namespace PtLock.Analyzers.Tests;

/// <summary>Paths into the repository the tests run from.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PtLockAnalyzer.sln")))
                return dir.FullName;
        throw new InvalidOperationException("tests must run inside the repository (PtLockAnalyzer.sln not found above " + AppContext.BaseDirectory + ")");
    }

    public static IEnumerable<string> SourcesUnder(string relative) =>
        Directory.EnumerateFiles(Path.Combine(Root, relative), "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar)
                        && !p.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar))
            .OrderBy(p => p, StringComparer.Ordinal);
}
