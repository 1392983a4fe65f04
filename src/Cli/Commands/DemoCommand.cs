using PtLock.Cli.Analysis;
using PtLock.Cli.Reporting;
using Spectre.Console;

namespace PtLock.Cli.Commands;

/// <summary>
/// <c>ptlock</c> with no arguments: a guided run over the bundled seed-thread samples. It checks
/// samples/SeedThreads and explains the result: the pre-fix ports of five Linux mm threads are flagged, the
/// post-fix ports are clean. Exit code 0 when the check ran, since the flagged files are the point; 2 when
/// the samples are not found.
/// </summary>
internal sealed class DemoCommand(CliEnvironment environment)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        string samples = SeedThreadSamples.Find(environment.WorkingDirectory, environment.ToolDirectory);
        await CheckSamplesAsync(samples, cancellationToken).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private async Task CheckSamplesAsync(string samples, CancellationToken cancellationToken)
    {
        var output = environment.Out;
        var console = Consoles.For(output, environment.UseColor);
        string shownFolder = Input.DisplayPaths.For(samples, environment.WorkingDirectory);

        console.MarkupLine($"[bold]PtLock: checking the seed-thread samples in {Markup.Escape(shownFolder)}[/]");
        output.WriteLine();
        output.WriteLine("Five Linux mm discussions (threads 000-004) are about locking bugs in page-table code. Each is ported to");
        output.WriteLine("C# over the PtLock runtime twice: the kernel code before its fix (*.PreFix.cs) and after it (*.PostFix.cs).");
        output.WriteLine("What you should see: the analyzers flag every pre-fix port with the rule its thread is about, and leave");
        output.WriteLine("every post-fix port clean. (The samples' .editorconfig turns most of these rules into warnings so that");
        output.WriteLine("the sample project still builds.)");
        output.WriteLine();

        var result = await SourceChecker.CheckAsync([samples], environment.WorkingDirectory, cancellationToken).ConfigureAwait(false);

        foreach (var file in result.Files)
        {
            var findings = result.Findings.Where(f => f.FullPath == file.FullPath).ToList();
            output.WriteLine(findings.Count == 0 ? $"{file.DisplayPath}: clean" : $"{file.DisplayPath}: {Counts.Of(findings.Count, "diagnostic")}");
            foreach (var finding in findings)
                output.WriteLine("  " + DiagnosticLines.Format(finding, environment.UseColor));
        }
        IncompleteResultsSection.Write(result, output, environment.UseColor);
        output.WriteLine();
        console.Write(SampleVerdictTable.Build(result));
        output.WriteLine(RuleSummaryTable.TotalsLine(result));
        output.WriteLine();
        output.WriteLine("Next: `ptlock check <files|folders|project.csproj>` checks your own code; `ptlock fix <path> --dry-run` shows");
        output.WriteLine("the code fixes as a diff (try it on a copy of a pre-fix port). See docs/cli.md.");
    }
}
