using PtLock.Cli.Commands;

namespace PtLock.Cli.Tests;

/// <summary>Bad input: one <c>ptlock: error:</c> line on the error writer, exit code 2, never a stack trace.</summary>
public class BadInputTests
{
    public static TheoryData<string[], string> Cases() => new()
    {
        { ["check", "missing.cs"], "'missing.cs' does not exist" },
        { ["fix", "missing-folder"], "'missing-folder' does not exist" },
        { ["check", "notes.txt"], "'notes.txt' is not a .cs file, a .csproj or a folder" },
        { ["check", "empty"], "no .cs files under 'empty'" },
        { ["fix", "--rule", "PTL9999", "."], "unknown rule 'PTL9999'" },
        { ["fix", "--rule", "CA1000", "."], "'CA1000' is not a rule ID" },
        { ["check", "--format", "xml"], "unknown format 'xml' (expected text, json, sarif)" },
        { ["check", "--bogus"], "unknown option '--bogus'" },
        { ["explain"], "Unrecognized command or argument 'explain'" },
        { ["fix", "--rule"], "Required argument missing for option: '--rule'" },
        { ["check", "--output", "no-such-folder/report.txt"], "cannot write 'no-such-folder/report.txt'" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInputIsOneErrorLineAndExitCode2(string[] args, string expected)
    {
        using var folder = new TempFolder();
        folder.CopySample(RepositoryFiles.PostFix003);
        folder.Write("notes.txt", "not C#\n");
        Directory.CreateDirectory(folder.File("empty"));

        var run = await CliRun.ArgsAsync(folder.Path, args);

        AssertOneErrorLine(run, expected);
    }

    [Fact]
    public async Task AnUnreadableFileIsBadInput()
    {
        using var folder = new TempFolder();
        string file = folder.CopySample(RepositoryFiles.PreFix003);
        // File permissions do not stop a test running as root; an exclusive lock stops every reader.
        using var exclusive = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None);

        var run = await CliRun.ArgsAsync(folder.Path, "check", RepositoryFiles.PreFix003);

        AssertOneErrorLine(run, $"cannot read '{RepositoryFiles.PreFix003}'");
    }

    [Fact]
    public async Task MissingSamplesMakeTheDemoFailWithExitCode2()
    {
        using var folder = new TempFolder();

        var run = await CliRun.CommandAsync(folder.Path, env => new DemoCommand(env).RunAsync(), toolDirectory: folder.Path);

        AssertOneErrorLine(run, "the seed-thread samples (samples/SeedThreads) were not found");
    }

    private static void AssertOneErrorLine(CliRun run, string expected)
    {
        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        string line = Assert.Single(run.ErrorLines);
        Assert.StartsWith(PtLockCli.ErrorPrefix, line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal);
    }
}
