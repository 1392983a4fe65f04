using System.Text.RegularExpressions;
using PtLock.Cli.Commands;

namespace PtLock.Cli.Tests;

/// <summary><c>ptlock check</c> in text form: diagnostics, exit codes, .editorconfig, path kinds, compiler errors.</summary>
public class CheckCommandTests
{
    [Fact]
    public async Task AViolatingFileIsReportedAsAnErrorWithExitCode1()
    {
        using var folder = new TempFolder();
        folder.CopySample(RepositoryFiles.PreFix003);

        var run = await CliRun.CommandAsync(folder.Path, env => new CheckCommand(env).RunAsync(new CheckCommand.Request([RepositoryFiles.PreFix003])));

        Assert.Equal(ExitCodes.ErrorsFound, run.ExitCode);
        Assert.Contains(run.OutputLines, l => Regex.IsMatch(l, @"^Thread003_FinishFault\.PreFix\.cs\(31,9\): error PTL0003: 'SetPteAt' writes an entry"));
        Assert.Contains("Recheck the PTE under the ptl before writing it", run.Output);
        Assert.EndsWith("1 PTL diagnostic (1 error, 0 warnings) in 1 file.", run.OutputLines[^1]);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task ACleanFileExitsWith0()
    {
        using var folder = new TempFolder();
        folder.CopySample(RepositoryFiles.PostFix003);

        var run = await CliRun.ArgsAsync(folder.Path, "check", RepositoryFiles.PostFix003);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.DoesNotContain("PTL", run.Output.Replace("No PTL diagnostics", "", StringComparison.Ordinal));
        Assert.Equal("No PTL diagnostics in 1 file.", run.OutputLines[^1]);
    }

    [Fact]
    public async Task EditorConfigDowngradingTheRuleToWarningExitsWith0()
    {
        using var folder = new TempFolder();
        folder.CopySample(RepositoryFiles.PreFix003, Path.Combine("src", "Fault.cs"));
        folder.Write(".editorconfig", "[*.cs]\ndotnet_diagnostic.PTL0003.severity = warning\n");

        var run = await CliRun.ArgsAsync(folder.Path, "check", "src");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains(run.OutputLines, l => l.StartsWith(Path.Combine("src", "Fault.cs") + "(31,9): warning PTL0003: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EditorConfigSeverityNoneSilencesTheRule()
    {
        using var folder = new TempFolder();
        folder.CopySample(RepositoryFiles.PreFix003);
        folder.Write(".editorconfig", "root = true\n\n[*.cs]\ndotnet_diagnostic.PTL0003.severity = none\n");

        var run = await CliRun.ArgsAsync(folder.Path, "check", ".");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.DoesNotContain("PTL0003", run.Output);
    }

    [Fact]
    public async Task ARootEditorConfigBelowStopsTheParentsSettings()
    {
        using var folder = new TempFolder();
        folder.Write(".editorconfig", "[*.cs]\ndotnet_diagnostic.PTL0003.severity = warning\n");
        folder.CopySample(RepositoryFiles.PreFix003, Path.Combine("strict", "Fault.cs"));
        folder.Write(Path.Combine("strict", ".editorconfig"), "root = true\n");

        var run = await CliRun.ArgsAsync(folder.Path, "check");

        Assert.Equal(ExitCodes.ErrorsFound, run.ExitCode);
        Assert.Contains("error PTL0003", run.Output);
    }

    [Fact]
    public async Task CategoryWideSeverityApplies()
    {
        using var folder = new TempFolder();
        folder.CopySample(RepositoryFiles.PreFix003);
        folder.Write(".editorconfig", "[*.cs]\ndotnet_analyzer_diagnostic.category-PageTables.severity = suggestion\n");

        var run = await CliRun.ArgsAsync(folder.Path, "check");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains("info PTL0003", run.Output);
    }

    [Fact]
    public async Task AProjectFileMeansItsFolderWithoutBinAndObj()
    {
        using var folder = new TempFolder();
        folder.Write(Path.Combine("proj", "Demo.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\" />\n");
        folder.CopySample(RepositoryFiles.PreFix003, Path.Combine("proj", "Faults", "Fault.cs"));
        folder.CopySample(RepositoryFiles.PreFix002, Path.Combine("proj", "obj", "Generated.cs"));
        folder.CopySample(RepositoryFiles.PreFix002, Path.Combine("proj", "bin", "Release", "Copy.cs"));

        var run = await CliRun.ArgsAsync(folder.Path, "check", Path.Combine("proj", "Demo.csproj"));

        Assert.Equal(ExitCodes.ErrorsFound, run.ExitCode);
        Assert.Contains(Path.Combine("proj", "Faults", "Fault.cs") + "(31,9): error PTL0003", run.Output);
        Assert.DoesNotContain("PTL0009", run.Output);
        Assert.EndsWith("in 1 file.", run.OutputLines[^1]);
    }

    [Fact]
    public async Task LinkedFoldersAreNotFollowed()
    {
        using var folder = new TempFolder();
        folder.CopySample(RepositoryFiles.PreFix003, Path.Combine("src", "Fault.cs"));
        Directory.CreateSymbolicLink(folder.File(Path.Combine("src", "loop")), folder.Path);

        var run = await CliRun.ArgsAsync(folder.Path, "check");

        Assert.Equal(ExitCodes.ErrorsFound, run.ExitCode);
        Assert.EndsWith("in 1 file.", run.OutputLines[^1]);
    }

    [Fact]
    public async Task PathsOutsideTheWorkingDirectoryStayAbsolute()
    {
        using var folder = new TempFolder();
        using var elsewhere = new TempFolder();
        string file = folder.CopySample(RepositoryFiles.PreFix003);

        var run = await CliRun.ArgsAsync(elsewhere.Path, "check", file);

        Assert.Contains(file + "(31,9): error PTL0003", run.Output);
    }

    [Fact]
    public async Task CompilerErrorsAreReportedApartFromTheResults()
    {
        using var folder = new TempFolder();
        folder.CopySample(RepositoryFiles.PreFix003);
        folder.Write("NeedsAPackage.cs", "namespace Elsewhere;\n\npublic class UsesAPackage\n{\n    public Newtonsoft.Json.JsonSerializer? Serializer { get; set; }\n}\n");

        var run = await CliRun.ArgsAsync(folder.Path, "check");

        Assert.Equal(ExitCodes.ErrorsFound, run.ExitCode);
        Assert.Contains("The compilation has 1 error; results may be incomplete", run.Output);
        Assert.Contains(run.OutputLines, l => l.StartsWith("  NeedsAPackage.cs(5,12): error CS0246: ", StringComparison.Ordinal));
        Assert.Contains("1 PTL diagnostic (1 error, 0 warnings) in 2 files.", run.Output);
    }

    [Fact]
    public async Task TheSummaryTableCountsByRule()
    {
        using var folder = new TempFolder();
        folder.CopySample(RepositoryFiles.PreFix003);
        folder.CopySample(RepositoryFiles.PreFix002);

        var run = await CliRun.ArgsAsync(folder.Path, "check");

        var rows = run.OutputLines.Where(l => l.Contains("PTL0003", StringComparison.Ordinal) || l.Contains("PTL0009", StringComparison.Ordinal)).ToList();
        Assert.Contains(rows, r => Regex.IsMatch(r, @"PTL0003\s*│\s*Recheck the PTE under the ptl before writing it\s*│\s*1\s*│\s*error"));
        Assert.Contains(rows, r => Regex.IsMatch(r, @"PTL0009\s*│\s*Zapping a file-backed PTE installs the uffd-wp marker\s*│\s*1\s*│\s*warning"));
        Assert.Equal("2 PTL diagnostics (1 error, 1 warning) in 2 files.", run.OutputLines[^1]);
    }

    [Fact]
    public async Task OutputOptionWritesTheReportToTheFile()
    {
        using var folder = new TempFolder();
        folder.CopySample(RepositoryFiles.PreFix003);

        var run = await CliRun.ArgsAsync(folder.Path, "check", "--output", "report.txt");

        Assert.Equal(ExitCodes.ErrorsFound, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.Contains("error PTL0003", File.ReadAllText(folder.File("report.txt")));
    }
}
