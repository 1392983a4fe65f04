namespace PtLock.Cli.Tests;

/// <summary><c>ptlock explore</c>: seed races under the explorer, saved traces replayed, bad input refused.</summary>
[Collection(ExplorerRuns.Name)]
public class ExploreCommandTests
{
    [Fact]
    public async Task OneSeedExploresItsPreAndPostFixPortsAndExits1WhenARaceIsFound()
    {
        using var folder = new TempFolder();
        var run = await CliRun.ArgsAsync(folder.Path, "explore", "003", "--budget", "300", "--seed", "5");

        Assert.Equal(ExitCodes.ErrorsFound, run.ExitCode);
        Assert.Empty(run.Error);
        Assert.Contains(run.OutputLines, l => l.Contains("003-finish-fault-prefix") && l.Contains("FAILS at schedule"));
        Assert.Contains(run.OutputLines, l => l.Contains("003-finish-fault-postfix") && l.Contains("no failure"));
        Assert.Contains("replayed from its trace: same failure", run.Output);
        Assert.Contains(run.OutputLines, l => l.Contains("fault-1") && l.Contains("set_ptes: write pte[3]"));
    }

    [Fact]
    public async Task ASavedTraceReplaysTheSameFailureStepByStep()
    {
        using var folder = new TempFolder();
        var found = await CliRun.ArgsAsync(folder.Path, "explore", "000-retract-prefix", "--strategy", "random", "--budget", "50", "--save-trace", "race.json");
        Assert.Equal(ExitCodes.ErrorsFound, found.ExitCode);
        Assert.True(File.Exists(Path.Combine(folder.Path, "race.json")));
        Assert.Contains("ptlock explore race.json", found.Output);

        var replayed = await CliRun.ArgsAsync(folder.Path, "explore", "race.json");

        Assert.Equal(ExitCodes.ErrorsFound, replayed.ExitCode);
        Assert.Contains("ThreadException PTL0002 in khugepaged", replayed.Output);
        Assert.Contains("The interleaving (", replayed.Output);
        Assert.Contains(replayed.OutputLines, l => l.Contains("madvise") && l.Contains("try_to_free_pte"));
    }

    [Fact]
    public async Task APostFixPortUnderDfsSurvivesEveryScheduleWithinTheBound()
    {
        using var folder = new TempFolder();
        var run = await CliRun.ArgsAsync(folder.Path, "explore", "002-zap-postfix", "--strategy", "dfs", "--preemptions", "1", "--budget", "5000");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains("no failure (every schedule within the bound)", run.Output);
    }

    [Theory]
    [InlineData("explore", "999")]
    [InlineData("explore", "003", "--strategy", "bogus")]
    [InlineData("explore", "003", "--budget", "0")]
    [InlineData("explore", "003", "--depth", "0")]
    [InlineData("explore", "missing-trace.json")]
    public async Task BadInputIsOneLineAndExit2(params string[] args)
    {
        using var folder = new TempFolder();
        var run = await CliRun.ArgsAsync(folder.Path, args);

        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.StartsWith(PtLockCli.ErrorPrefix, run.ErrorLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error);
    }

    [Theory]
    [InlineData("{ this is not json")]
    [InlineData("""{"format":"ptlock-trace/1","scenario":"no-such-scenario","strategy":"x","threads":["A","B"],"choices":[0]}""")]
    [InlineData("""{"format":"ptlock-trace/1","scenario":"003-finish-fault-prefix","strategy":"x","threads":["A","B"],"choices":[0]}""")]
    [InlineData("""{"format":"ptlock-trace/1","scenario":"003-finish-fault-prefix","strategy":"x","threads":["fault-1","fault-2"],"choices":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}""")]
    public async Task CorruptForeignOrStaleTracesAreOneLineAndExit2(string json)
    {
        using var folder = new TempFolder();
        File.WriteAllText(Path.Combine(folder.Path, "bad.json"), json);

        var run = await CliRun.ArgsAsync(folder.Path, "explore", "bad.json");

        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.DoesNotContain("   at ", run.Error);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ExplorerRuns
{
    /// <summary>Explorer runs alone: RCU grace periods are process-wide, and the demo explores too.</summary>
    public const string Name = "explorer runs";
}
