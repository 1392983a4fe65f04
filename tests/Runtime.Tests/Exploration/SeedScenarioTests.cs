using PtLock.Samples.SeedThreads.Scenarios;
using PtLock.Scheduling;

namespace PtLock.Runtime.Tests.Exploration;

/// <summary>
/// The seed threads' races under the explorer, with fixed seeds and budgets so that CI is deterministic: each
/// pre-fix port is caught (with the rule the runtime reports, or the invariant it breaks) and each post-fix
/// port survives the same budget.
/// </summary>
[Collection(ExplorerCollection.Name)]
public class SeedScenarioTests
{
    private const int Budget = 200;

    public static TheoryData<string, ExplorationStrategy, FailureKind, string?> PreFix() => new()
    {
        { "000", ExplorationStrategy.Random, FailureKind.ThreadException, "PTL0002" },
        { "000", ExplorationStrategy.Pct, FailureKind.ThreadException, "PTL0002" },
        { "004", ExplorationStrategy.Random, FailureKind.ThreadException, "PTL9002" },
        { "004", ExplorationStrategy.Pct, FailureKind.ThreadException, "PTL9002" },
        { "001", ExplorationStrategy.Pct, FailureKind.ThreadException, "PTL0008" },
        { "002", ExplorationStrategy.Random, FailureKind.InvariantViolated, null },
        { "002", ExplorationStrategy.Pct, FailureKind.InvariantViolated, null },
        { "003", ExplorationStrategy.Random, FailureKind.InvariantViolated, null },
        { "003", ExplorationStrategy.Pct, FailureKind.InvariantViolated, null },
    };

    private static SeedScenario Seed(string id) => SeedScenarios.All.Single(s => s.Id == id);

    [Theory]
    [MemberData(nameof(PreFix))]
    public void ThePreFixPortIsCaughtAndItsTraceReplays(string id, ExplorationStrategy strategy, FailureKind kind, string? rule)
    {
        var result = Explorer.Run(Seed(id).PreFix, new ExplorationOptions { Strategy = strategy, Budget = Budget, Seed = 42 });
        Assert.True(result.Failure is not null, result.ToString());
        Assert.Equal(kind, result.Failure!.Kind);
        Assert.Equal(rule, result.Failure.RuleId);
        Assert.True(result.Failure.Reproduced);
        Assert.NotEmpty(result.Failure.Trace.Log);
    }

    [Theory]
    [InlineData("000")]
    [InlineData("001")]
    [InlineData("002")]
    [InlineData("003")]
    [InlineData("004")]
    public void ThePostFixPortSurvivesTheSameBudget(string id)
    {
        foreach (var strategy in new[] { ExplorationStrategy.Random, ExplorationStrategy.Pct })
        {
            var result = Explorer.Run(Seed(id).PostFix, new ExplorationOptions { Strategy = strategy, Budget = Budget, Seed = 42 });
            Assert.True(result.Failure is null, result.ToString() + "\n" + string.Join("\n", result.Failure?.Trace.Log ?? Array.Empty<TraceStep>()));
            Assert.Equal(Budget, result.SchedulesTried);
        }
    }

    [Theory]
    [InlineData("001")]
    [InlineData("000")]
    public void TheSameSeedFindsTheSameScheduleAgain(string id)
    {
        var options = new ExplorationOptions { Strategy = ExplorationStrategy.Pct, Budget = Budget, Seed = 42 };
        var first = Explorer.Run(Seed(id).PreFix, options).Failure;
        var second = Explorer.Run(Seed(id).PreFix, options).Failure;
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal(first!.Trace.Schedule, second!.Trace.Schedule);
        Assert.Equal(first.Trace.Choices, second.Trace.Choices);
        Assert.Equal(first.Trace.Log.Select(l => l.ToString()), second.Trace.Log.Select(l => l.ToString()));
    }
}
