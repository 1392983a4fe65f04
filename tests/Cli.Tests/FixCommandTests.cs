using System.Text;
using PtLock.Cli.Commands;

namespace PtLock.Cli.Tests;

/// <summary><c>ptlock fix</c>: the diff, writing in place (or not), the rule filter, what is left, encodings.</summary>
public class FixCommandTests
{
    [Fact]
    public async Task DryRunPrintsTheDiffAndLeavesTheFileUnchanged()
    {
        using var folder = new TempFolder();
        string file = folder.CopySample(RepositoryFiles.PreFix003);
        byte[] before = File.ReadAllBytes(file);

        var run = await CliRun.CommandAsync(folder.Path, env => new FixCommand(env).RunAsync(new FixCommand.Request(["."], [], DryRun: true)));

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var lines = run.OutputLines;
        Assert.Contains("--- " + RepositoryFiles.PreFix003, lines);
        Assert.Contains("+++ " + RepositoryFiles.PreFix003, lines);
        Assert.Contains(lines, l => l.StartsWith("@@ -28,7 +28,8 @@", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith('+') && l.Contains("if (PteNone(PtepGet(pte)))", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith('-') && l.Contains("SetPteAt(mm, addr, pte,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("│ PTL0003", StringComparison.Ordinal) && l.TrimEnd('│', ' ').EndsWith('1'));
        Assert.Contains("Dry run: 1 fix would change 1 file; nothing was written.", lines);
        Assert.Equal(before, File.ReadAllBytes(file));
    }

    [Fact]
    public async Task FixRewritesTheFileAndACheckAfterwardsIsClean()
    {
        using var folder = new TempFolder();
        string file = folder.CopySample(RepositoryFiles.PreFix003);

        var fix = await CliRun.ArgsAsync(folder.Path, "fix", RepositoryFiles.PreFix003);
        var check = await CliRun.ArgsAsync(folder.Path, "check", RepositoryFiles.PreFix003);

        Assert.Equal(ExitCodes.Success, fix.ExitCode);
        Assert.Contains("Applied 1 fix; wrote 1 file.", fix.OutputLines);
        Assert.Contains("if (PteNone(PtepGet(pte)))", File.ReadAllText(file));
        Assert.Equal(ExitCodes.Success, check.ExitCode);
        Assert.DoesNotContain("PTL0003", check.Output);
    }

    [Fact]
    public async Task RuleFilterFixesOnlyThatRule()
    {
        using var folder = new TempFolder();
        string fault = folder.CopySample(RepositoryFiles.PreFix003);
        string zap = folder.CopySample(RepositoryFiles.PreFix002);
        string faultBefore = File.ReadAllText(fault);

        var run = await CliRun.ArgsAsync(folder.Path, "fix", "--rule", "ptl0009");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains("ZapInstallUffdWpIfNeeded(vma, addr, pte, null, ptent);", File.ReadAllText(zap));
        Assert.Equal(faultBefore, File.ReadAllText(fault));
        Assert.DoesNotContain("PTL0003", run.Output);
        Assert.Contains("Applied 1 fix; wrote 1 file.", run.OutputLines);
    }

    [Fact]
    public async Task SeveralRulesCanBeGiven()
    {
        using var folder = new TempFolder();
        folder.CopySample(RepositoryFiles.PreFix003);
        folder.CopySample(RepositoryFiles.PreFix002);

        var run = await CliRun.ArgsAsync(folder.Path, "fix", "--dry-run", "--rule", "PTL0003", "--rule", "PTL0009");

        Assert.Contains("Dry run: 2 fixes would change 2 files; nothing was written.", run.OutputLines);
    }

    [Fact]
    public async Task DiagnosticsWithoutAFixAreListed()
    {
        using var folder = new TempFolder();
        // PTL1003 (a lock taken twice) has no code fix: where the second acquisition should go is the author's call.
        folder.Write("Twice.cs", """
            using static PtLock.Spinlock;

            namespace Demo;

            public static class Twice
            {
                public static void Run(PtLock.Ptl ptl)
                {
                    SpinLock(ptl);
                    SpinLock(ptl);
                    SpinUnlock(ptl);
                    SpinUnlock(ptl);
                }
            }
            """);

        var run = await CliRun.ArgsAsync(folder.Path, "fix", "--rule", "PTL1003");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains(run.OutputLines, l => l.StartsWith("Left with no code fix (1 diagnostic)", StringComparison.Ordinal));
        Assert.Contains(run.OutputLines, l => l.StartsWith("  Twice.cs(10,9): warning PTL1003: ", StringComparison.Ordinal));
        Assert.Contains("No fix applied.", run.OutputLines);
    }

    [Fact]
    public async Task NothingToFixSaysSo()
    {
        using var folder = new TempFolder();
        folder.CopySample(RepositoryFiles.PostFix003);

        var run = await CliRun.ArgsAsync(folder.Path, "fix");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal("Nothing to fix.", run.OutputLines[^1]);
    }

    [Fact]
    public async Task CrlfLineEndingsAndByteOrderMarkAreKept()
    {
        using var folder = new TempFolder();
        string file = folder.File("Fault.cs");
        string crlf = File.ReadAllText(RepositoryFiles.Sample(RepositoryFiles.PreFix003)).ReplaceLineEndings("\r\n");
        File.WriteAllText(file, crlf, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var run = await CliRun.ArgsAsync(folder.Path, "fix", "Fault.cs");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        byte[] bytes = File.ReadAllBytes(file);
        Assert.True(bytes.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }), "the byte-order mark was dropped");
        string text = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
        Assert.Contains("if (PteNone(PtepGet(pte)))\r\n", text);
        Assert.DoesNotContain("\n", text.Replace("\r\n", "", StringComparison.Ordinal));
    }
}
