namespace PtLock.Samples.SeedThreads.Scenarios;

/// <summary>The five seed threads as races, in the order of the seeds README.</summary>
public static class SeedScenarios
{
    public static IReadOnlyList<SeedScenario> All { get; } = new[]
    {
        RetractVersusReclaimRace.CreateRetract(),
        HugetlbFaultVersusUnshareRace.Create(),
        UffdWpZapRace.Create(),
        FinishFaultRace.Create(),
        RetractVersusReclaimRace.CreateReclaim(),
    };

    /// <summary>The scenario (pre- or post-fix) with this name, or null.</summary>
    public static PtLock.Scheduling.Scenario? Find(string name) =>
        All.SelectMany(s => new[] { s.PreFix, s.PostFix }).FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
