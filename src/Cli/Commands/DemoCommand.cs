using PtLock.Cli.Analysis;
using PtLock.Cli.Reporting;
using Spectre.Console;

namespace PtLock.Cli.Commands;

/// <summary>
/// <c>ptlock</c> with no arguments: a guided run over the bundled seed-thread samples. It checks
/// samples/SeedThreads and explains the result (the pre-fix ports of five Linux mm threads are flagged, the
/// post-fix ports are clean), then races the same ports with the explorer (each pre-fix port fails on some
/// schedule, each post-fix port survives) and shows one reproduced interleaving. Exit code 0 when it ran, since
/// the flagged files and the failing races are the point; 2 when the samples are not found.
/// </summary>
internal sealed class DemoCommand(CliEnvironment environment)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        string samples = SeedThreadSamples.Find(environment.WorkingDirectory, environment.ToolDirectory);
        await CheckSamplesAsync(samples, cancellationToken).ConfigureAwait(false);
        RaceTheSamples(cancellationToken);
        return ExitCodes.Success;
    }

    /// <summary>The explorer's budget per scenario in the demo; a seed that finds every pre-fix race within it.</summary>
    internal const int DemoBudget = 1000;
    internal const int DemoSeed = 42;

    /// <summary>
    /// The second half: the same ports, run as races under the explorer. Each pre-fix port fails on some schedule
    /// (the runtime's validator names the rule), each post-fix port survives the same budget, and one race is shown.
    /// </summary>
    private void RaceTheSamples(CancellationToken cancellationToken)
    {
        var output = environment.Out;
        var console = Consoles.For(output, environment.UseColor);
        output.WriteLine();
        console.MarkupLine("[bold]PtLock: racing the same ports with the explorer[/]");
        output.WriteLine();
        output.WriteLine("Each port now runs as two threads on the simulated mm (samples/SeedThreads/Scenarios), under schedules the");
        output.WriteLine($"explorer picks (PCT, seed {DemoSeed}, up to {DemoBudget} schedules). What you should see: every pre-fix port fails on");
        output.WriteLine("some schedule, with the rule the runtime's validator reports or the invariant it breaks; every post-fix port");
        output.WriteLine("survives the same budget.");
        output.WriteLine();
        var options = new PtLock.Scheduling.ExplorationOptions { Strategy = PtLock.Scheduling.ExplorationStrategy.Pct, Budget = DemoBudget, Seed = DemoSeed };
        var table = new Table().AddColumns("seed", "scenario", "schedules", "result");
        PtLock.Scheduling.ExplorationFailure? shown = null;
        foreach (var seed in PtLock.Samples.SeedThreads.Scenarios.SeedScenarios.All)
        {
            foreach (var scenario in new[] { seed.PreFix, seed.PostFix })
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = ExploreCommand.Explore(scenario, options, console);
                table.AddRow(Markup.Escape(seed.Thread), Markup.Escape(scenario.Name), result.SchedulesTried.ToString(), Markup.Escape(ExploreCommand.Verdict(result)));
                if (seed.Id == "003" && result.Failure is { } failure)
                    shown = failure;
            }
        }
        console.Write(table);
        if (shown is not null)
        {
            output.WriteLine();
            output.WriteLine("One race, reproduced from its trace (thread 003: both faults find the entry none before either locks it):");
            output.WriteLine();
            ExploreCommand.WriteFailure(shown, output, lastSteps: 30);
        }
        output.WriteLine();
        output.WriteLine("Next: `ptlock explore <seed|scenario> --strategy random|pct|dfs --budget N --save-trace FILE` explores one race;");
        output.WriteLine("`ptlock explore FILE` replays a saved trace step by step.");
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
