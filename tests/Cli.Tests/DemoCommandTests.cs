using System.Text.RegularExpressions;
using PtLock.Cli.Commands;

namespace PtLock.Cli.Tests;

/// <summary><c>ptlock</c> with no arguments checks the repository's seed-thread samples, explains them, and races them.</summary>
[Collection(ExplorerRuns.Name)]
public class DemoCommandTests
{
    [Fact]
    public async Task NoArgumentsChecksTheSamplesAndExits0()
    {
        var run = await CliRun.ArgsAsync(RepositoryFiles.Root);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Empty(run.Error);
        Assert.Contains("PtLock: checking the seed-thread samples in " + Path.Combine("samples", "SeedThreads"), run.Output);
        Assert.Contains("the analyzers flag every pre-fix port", run.Output);
        string prefix = Path.Combine("samples", "SeedThreads") + Path.DirectorySeparatorChar;
        Assert.Contains(run.OutputLines, l => l.StartsWith("  " + prefix + "Thread003_FinishFault.PreFix.cs(31,9): ", StringComparison.Ordinal) && l.Contains(" PTL0003: ", StringComparison.Ordinal));
        Assert.Contains(prefix + "Thread003_FinishFault.PostFix.cs: clean", run.OutputLines);

        // The verdict table: each pre-fix port with its rules, each post-fix port clean.
        AssertVerdict(run, "Thread000_004_RetractPageTables.PreFix.cs", "PTL0001, PTL0002", "flagged");
        AssertVerdict(run, "Thread001_HugetlbFault.PreFix.cs", "PTL0008", "flagged");
        AssertVerdict(run, "Thread002_ZapPteRange.PreFix.cs", "PTL0009", "flagged");
        AssertVerdict(run, "Thread003_FinishFault.PreFix.cs", "PTL0003", "flagged");
        foreach (string postFix in new[] { "Thread000_004_RetractPageTables", "Thread001_HugetlbFault", "Thread002_ZapPteRange", "Thread003_FinishFault" })
            AssertVerdict(run, postFix + ".PostFix.cs", "none", "clean");
        Assert.DoesNotContain("should be", run.Output);

        // The races: every pre-fix port fails, every post-fix port survives, and one interleaving is shown.
        Assert.Contains("PtLock: racing the same ports with the explorer", run.Output);
        foreach (string seed in new[] { "000-retract", "001-hugetlb-fault", "002-zap", "003-finish-fault", "004-reclaim" })
        {
            Assert.Contains(run.OutputLines, l => l.Contains(seed + "-prefix ") && l.Contains("FAILS at schedule"));
            Assert.Contains(run.OutputLines, l => l.Contains(seed + "-postfix ") && l.Contains("no failure"));
        }
        Assert.Contains(run.OutputLines, l => l.Contains("PTL0002 in khugepaged"));
        Assert.Contains(run.OutputLines, l => l.Contains("PTL0008 in fault(B)"));
        Assert.Contains("replayed from its trace: same failure", run.Output);
    }

    [Fact] // the tool carries a copy of the samples next to itself, so an installed tool runs the demo too
    public async Task TheSamplesAreFoundNextToTheToolOutsideACheckout()
    {
        using var elsewhere = new TempFolder();

        var run = await CliRun.CommandAsync(elsewhere.Path, env => new DemoCommand(env).RunAsync(), toolDirectory: AppContext.BaseDirectory);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains(Path.Combine(AppContext.BaseDirectory, "samples", "SeedThreads", "Thread003_FinishFault.PreFix.cs") + "(31,9)", run.Output);
    }

    private static void AssertVerdict(CliRun run, string file, string rules, string verdict) =>
        Assert.Contains(run.OutputLines, l => Regex.IsMatch(l, $@"│ {Regex.Escape(file)}\s*│ {Regex.Escape(rules)}\s*│ {verdict}"));
}
