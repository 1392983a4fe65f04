using System.Text.Json;
using PtLock.Cli.Commands;

namespace PtLock.Cli.Tests;

/// <summary><c>--format json</c> and <c>--format sarif</c> parse and carry what tools need.</summary>
public class MachineReadableReportTests
{
    [Fact]
    public async Task JsonListsEachDiagnosticWithItsFields()
    {
        using var folder = new TempFolder();
        folder.CopySample(RepositoryFiles.PreFix003);

        var run = await CliRun.CommandAsync(folder.Path, env => new CheckCommand(env).RunAsync(new CheckCommand.Request([], "json")));

        Assert.Equal(ExitCodes.ErrorsFound, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var diagnostic = Assert.Single(json.RootElement.GetProperty("diagnostics").EnumerateArray());
        Assert.Equal("PTL0003", diagnostic.GetProperty("id").GetString());
        Assert.Equal("error", diagnostic.GetProperty("severity").GetString());
        Assert.StartsWith("'SetPteAt' writes an entry under 'ptl'", diagnostic.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(RepositoryFiles.PreFix003, diagnostic.GetProperty("path").GetString());
        Assert.Equal(31, diagnostic.GetProperty("line").GetInt32());
        Assert.Equal(9, diagnostic.GetProperty("column").GetInt32());
        Assert.EndsWith("docs/rules/PTL0003.md", diagnostic.GetProperty("helpUri").GetString(), StringComparison.Ordinal);
        Assert.Empty(json.RootElement.GetProperty("compilationErrors").EnumerateArray());
        Assert.Equal(1, json.RootElement.GetProperty("totals").GetProperty("errors").GetInt32());
    }

    [Fact]
    public async Task SarifDescribesTheRulesAndTheResults()
    {
        using var folder = new TempFolder();
        folder.CopySample(RepositoryFiles.PreFix003, Path.Combine("src", "Fault.cs"));

        var run = await CliRun.ArgsAsync(folder.Path, "check", "--format", "sarif", "--output", "out.sarif");

        Assert.Equal(ExitCodes.ErrorsFound, run.ExitCode);
        using var sarif = JsonDocument.Parse(File.ReadAllText(folder.File("out.sarif")));
        Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
        var sarifRun = Assert.Single(sarif.RootElement.GetProperty("runs").EnumerateArray());
        var driver = sarifRun.GetProperty("tool").GetProperty("driver");
        Assert.Equal("ptlock", driver.GetProperty("name").GetString());
        var rule = driver.GetProperty("rules").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "PTL0003");
        Assert.Equal("Recheck the PTE under the ptl before writing it", rule.GetProperty("shortDescription").GetProperty("text").GetString());
        Assert.Equal(PtLock.Analyzers.Descriptors.HelpLink("PTL0003"), rule.GetProperty("helpUri").GetString());

        var result = Assert.Single(sarifRun.GetProperty("results").EnumerateArray());
        Assert.Equal("PTL0003", result.GetProperty("ruleId").GetString());
        Assert.Equal("error", result.GetProperty("level").GetString());
        Assert.Contains("SetPteAt", result.GetProperty("message").GetProperty("text").GetString(), StringComparison.Ordinal);
        var location = Assert.Single(result.GetProperty("locations").EnumerateArray()).GetProperty("physicalLocation");
        Assert.Equal("src/Fault.cs", location.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal("SRCROOT", location.GetProperty("artifactLocation").GetProperty("uriBaseId").GetString());
        Assert.Equal(31, location.GetProperty("region").GetProperty("startLine").GetInt32());
        Assert.Equal(9, location.GetProperty("region").GetProperty("startColumn").GetInt32());
    }

    [Fact]
    public async Task SarifReportsCompilerErrorsAsNotifications()
    {
        using var folder = new TempFolder();
        folder.Write("Broken.cs", "class Broken { Missing field; }\n");

        var run = await CliRun.ArgsAsync(folder.Path, "check", "--format", "sarif");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        using var sarif = JsonDocument.Parse(run.Output);
        var sarifRun = sarif.RootElement.GetProperty("runs")[0];
        Assert.Empty(sarifRun.GetProperty("results").EnumerateArray());
        var notification = Assert.Single(sarifRun.GetProperty("invocations")[0].GetProperty("toolExecutionNotifications").EnumerateArray());
        Assert.Equal("CS0246", notification.GetProperty("descriptor").GetProperty("id").GetString());
    }
}
