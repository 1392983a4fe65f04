using PtLock.Samples.SeedThreads.Scenarios;
using PtLock.Scheduling;

namespace PtLock.Benchmarks;

/// <summary>
/// The race explorer's figures for docs/benchmarks.md (a harness, not BenchmarkDotNet: the quantities are counts
/// of schedules). For every seed scenario and strategy: schedules to the first failure of the pre-fix port over
/// several seeds, schedules per second, and for the post-fix port how far the bounded DFS gets.
/// Run: dotnet run -c Release --project bench/Runtime.Benchmarks -- explore [budget] [seeds]
/// </summary>
public static class ExplorerHarness
{
    public static void Run(string[] args)
    {
        int budget = args.Length > 1 && int.TryParse(args[1], out int b) ? b : 10_000;
        int seeds = args.Length > 2 && int.TryParse(args[2], out int s) ? s : 5;
        Console.WriteLine($"budget {budget} schedules, {seeds} seeds per randomised strategy");
        Console.WriteLine();
        Console.WriteLine("| scenario | strategy | found (seeds) | schedules to first failure (median, max) | schedules/s |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var seed in SeedScenarios.All)
        {
            foreach (var strategy in new[] { ExplorationStrategy.Random, ExplorationStrategy.Pct, ExplorationStrategy.Dfs })
            {
                var runs = new List<ExplorationResult>();
                int tries = strategy == ExplorationStrategy.Dfs ? 1 : seeds;
                for (int i = 0; i < tries; i++)
                    runs.Add(Explorer.Run(seed.PreFix, new ExplorationOptions
                    {
                        Strategy = strategy, Budget = budget, Seed = i, PreemptionBound = 2, TimeLimit = TimeSpan.FromSeconds(60),
                    }));
                var found = runs.Where(r => r.Failure is not null).Select(r => r.SchedulesTried).OrderBy(x => x).ToList();
                double rate = runs.Sum(r => r.SchedulesTried) / runs.Sum(r => r.Elapsed.TotalSeconds);
                string toFailure = found.Count == 0 ? "not found" : $"{found[found.Count / 2]}, {found[^1]}";
                Console.WriteLine($"| {seed.PreFix.Name} | {runs[0].Strategy} | {found.Count}/{tries} | {toFailure} | {rate:0} |");
            }
        }
        Console.WriteLine();
        Console.WriteLine("| scenario (post-fix) | strategy | schedules | failures | exhausted within the bound | schedules/s |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var seed in SeedScenarios.All)
        {
            foreach (int bound in new[] { 1, 2 })
            {
                var r = Explorer.Run(seed.PostFix, new ExplorationOptions
                {
                    Strategy = ExplorationStrategy.Dfs, Budget = budget, PreemptionBound = bound, TimeLimit = TimeSpan.FromSeconds(60),
                });
                Console.WriteLine($"| {seed.PostFix.Name} | {r.Strategy} | {r.SchedulesTried} | {(r.Failure is null ? 0 : 1)} | {(r.Exhausted ? "yes" : "no")} | {r.SchedulesPerSecond:0} |");
            }
        }
    }
}
