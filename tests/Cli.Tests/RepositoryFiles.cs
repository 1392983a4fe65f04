namespace PtLock.Cli.Tests;

/// <summary>Paths into the repository the tests run from.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public const string PreFix003 = "Thread003_FinishFault.PreFix.cs";
    public const string PostFix003 = "Thread003_FinishFault.PostFix.cs";
    public const string PreFix002 = "Thread002_ZapPteRange.PreFix.cs";

    public static string Sample(string file) => Path.Combine(Root, "samples", "SeedThreads", file);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PtLockAnalyzer.sln")))
                return dir.FullName;
        throw new InvalidOperationException("tests must run inside the repository (PtLockAnalyzer.sln not found above the test output)");
    }
}
