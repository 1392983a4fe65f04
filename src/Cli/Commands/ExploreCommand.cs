using System.CommandLine;
using PtLock.Cli.Reporting;
using PtLock.Samples.SeedThreads.Scenarios;
using PtLock.Scheduling;
using Spectre.Console;

namespace PtLock.Cli.Commands;

/// <summary>
/// <c>ptlock explore [scenario|trace-file] [--strategy random|pct|dfs] [--budget N] [--seed S] [--save-trace FILE]</c>:
/// runs the race explorer on the built-in seed scenarios (all of them, one seed's pre- and post-fix pair, or one
/// scenario by name), or replays a saved trace. Exit code 1 when a failing schedule was found or replayed.
/// </summary>
internal sealed class ExploreCommand(CliEnvironment environment)
{
    public const string Name = "explore";

    public sealed record Request(string? Target, string Strategy = "pct", int Budget = 1000, int Seed = 0, int Depth = 3, int Preemptions = 2,
        string? SaveTrace = null);

    public static Command Definition(CliEnvironment environment)
    {
        var target = new Argument<string?>("scenario|trace-file")
        {
            Description = "A seed id (000, 001, 002, 003, 004), a scenario name (e.g. 001-hugetlb-fault-prefix) or a saved trace (.json); all seed scenarios when omitted",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var strategy = new Option<string>("--strategy", "-s") { Description = "random, pct or dfs", HelpName = "random|pct|dfs", DefaultValueFactory = _ => "pct" };
        var budget = new Option<int>("--budget", "-b") { Description = "Schedules to try per scenario", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random and pct strategies", DefaultValueFactory = _ => 0 };
        var depth = new Option<int>("--depth") { Description = "PCT bug depth", DefaultValueFactory = _ => 3 };
        var preemptions = new Option<int>("--preemptions") { Description = "DFS preemption bound", DefaultValueFactory = _ => 2 };
        var save = new Option<string?>("--save-trace") { Description = "Write the first failing schedule's trace to this file", HelpName = "FILE" };
        var command = new Command(Name, "Explore thread interleavings of the seed-thread races, or replay a saved trace")
        {
            target, strategy, budget, seed, depth, preemptions, save,
        };
        command.SetAction((parse, cancellationToken) => new ExploreCommand(environment).RunAsync(new Request(
            parse.GetValue(target), parse.GetValue(strategy) ?? "pct", parse.GetValue(budget), parse.GetValue(seed),
            parse.GetValue(depth), parse.GetValue(preemptions), parse.GetValue(save)), cancellationToken));
        return command;
    }

    public Task<int> RunAsync(Request request, CancellationToken cancellationToken = default)
    {
        var options = Options(request);
        if (request.Target is { } target && LooksLikeTrace(target))
            return Task.FromResult(Replay(target));
        var scenarios = Scenarios(request.Target);
        var output = environment.Out;
        var console = Consoles.For(output, environment.UseColor);
        var table = new Table().AddColumns("scenario", "strategy", "schedules", "result", "time");
        ExplorationFailure? first = null;
        foreach (var scenario in scenarios)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = Explore(scenario, options, console);
            table.AddRow(Markup.Escape(scenario.Name), Markup.Escape(result.Strategy), result.SchedulesTried.ToString(),
                Markup.Escape(Verdict(result)), $"{result.Elapsed.TotalSeconds:0.0} s");
            first ??= result.Failure;
        }
        console.Write(table);
        if (first is not null)
        {
            output.WriteLine();
            WriteFailure(first, output, lastSteps: 40);
            if (request.SaveTrace is { } path)
            {
                string full = Path.GetFullPath(path, environment.WorkingDirectory);
                try { first.Trace.Save(full); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new CliInputException($"cannot write the trace to '{path}': {e.Message}");
                }
                output.WriteLine($"trace saved to {Input.DisplayPaths.For(full, environment.WorkingDirectory)}; replay it with: ptlock explore {path}");
            }
        }
        return Task.FromResult(first is null ? ExitCodes.Success : ExitCodes.ErrorsFound);
    }

    /// <summary>Run one scenario, with a live counter on a terminal.</summary>
    internal static ExplorationResult Explore(Scenario scenario, ExplorationOptions options, IAnsiConsole console)
    {
        if (!console.Profile.Capabilities.Interactive)
            return Explorer.Run(scenario, options);
        ExplorationResult? result = null;
        console.Status().Start($"exploring {scenario.Name}", context =>
        {
            result = Explorer.Run(scenario, options with
            {
                Progress = n =>
                {
                    if (n % 50 == 0)
                        context.Status($"exploring {Markup.Escape(scenario.Name)}: {n} schedules");
                },
            });
        });
        return result!;
    }

    internal static string Verdict(ExplorationResult result) => result.Failure is { } f
        ? $"FAILS at schedule {f.Trace.Schedule + 1}: {f.Kind}{(f.RuleId is null ? "" : " " + f.RuleId)}{(f.Thread is null ? "" : " in " + f.Thread)}"
        : result.Exhausted ? "no failure (every schedule within the bound)" : "no failure";

    /// <summary>The failure and the interleaving that led to it (its last steps, or all of them).</summary>
    internal static void WriteFailure(ExplorationFailure failure, TextWriter output, int? lastSteps)
    {
        output.WriteLine($"{failure.Trace.Scenario}: {failure.Kind}{(failure.RuleId is null ? "" : " " + failure.RuleId)}{(failure.Thread is null ? "" : " in " + failure.Thread)}");
        output.WriteLine("  " + Reporting.DiagnosticLines.OneLine(failure.Message));
        output.WriteLine($"  replayed from its trace: {(failure.Reproduced ? "same failure" : "did NOT fail the same way (the scenario is not deterministic)")}");
        var log = failure.Trace.Log;
        int skip = lastSteps is int n && log.Count > n ? log.Count - n : 0;
        output.WriteLine();
        output.WriteLine(skip > 0 ? $"The interleaving (last {log.Count - skip} of {log.Count} scheduling points):" : $"The interleaving ({log.Count} scheduling points):");
        output.WriteLine("  step  thread       kernel call: point");
        foreach (var step in log.Skip(skip))
            output.WriteLine("  " + step);
    }

    private int Replay(string path)
    {
        string full = Path.GetFullPath(path, environment.WorkingDirectory);
        if (!File.Exists(full))
            throw new CliInputException($"trace file '{path}' does not exist");
        ExplorationTrace trace;
        try { trace = ExplorationTrace.Load(full); }
        catch (ExplorationException e) { throw new CliInputException(e.Message); }
        var scenario = SeedScenarios.Find(trace.Scenario)
                       ?? throw new CliInputException($"the trace is of scenario '{trace.Scenario}', which this tool does not know");
        ExplorationResult result;
        try { result = Explorer.Replay(scenario, trace); }
        catch (ExplorationException e) { throw new CliInputException("cannot replay the trace: " + e.Message); }
        var output = environment.Out;
        if (result.Failure is { } failure)
        {
            WriteFailure(failure, output, lastSteps: null);
            return ExitCodes.ErrorsFound;
        }
        output.WriteLine($"{trace.Scenario}: the replayed schedule did not fail{(trace.Failure is null ? "" : $" (it was recorded failing: {trace.Failure})")}");
        return ExitCodes.Success;
    }

    private static bool LooksLikeTrace(string target) =>
        target.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || target.Contains(Path.DirectorySeparatorChar) || target.Contains('/');

    internal static IReadOnlyList<Scenario> Scenarios(string? target)
    {
        var all = SeedScenarios.All;
        if (target is null)
            return all.SelectMany(s => new[] { s.PreFix, s.PostFix }).ToArray();
        if (all.FirstOrDefault(s => s.Id == target) is { } seed)
            return new[] { seed.PreFix, seed.PostFix };
        if (SeedScenarios.Find(target) is { } one)
            return new[] { one };
        throw new CliInputException($"unknown scenario '{target}'; known: {string.Join(", ", all.Select(s => s.Id))}, "
                                    + string.Join(", ", all.SelectMany(s => new[] { s.PreFix.Name, s.PostFix.Name })));
    }

    private static ExplorationOptions Options(Request request)
    {
        var strategy = request.Strategy.ToLowerInvariant() switch
        {
            "random" => ExplorationStrategy.Random,
            "pct" => ExplorationStrategy.Pct,
            "dfs" => ExplorationStrategy.Dfs,
            _ => throw new CliInputException($"unknown strategy '{request.Strategy}'; use random, pct or dfs"),
        };
        if (request.Budget < 1)
            throw new CliInputException($"--budget must be at least 1 (got {request.Budget})");
        if (request.Depth < 1)
            throw new CliInputException($"--depth must be at least 1 (got {request.Depth})");
        if (request.Preemptions < 0)
            throw new CliInputException($"--preemptions cannot be negative (got {request.Preemptions})");
        return new ExplorationOptions
        {
            Strategy = strategy, Budget = request.Budget, Seed = request.Seed, PctDepth = request.Depth, PreemptionBound = request.Preemptions,
        };
    }
}
