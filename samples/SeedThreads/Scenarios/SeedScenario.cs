using PtLock.Scheduling;

namespace PtLock.Samples.SeedThreads.Scenarios;

/// <summary>One seed thread as a race: the pre-fix port and the post-fix port, each as an explorer scenario.</summary>
public sealed record SeedScenario(string Id, string Thread, string Title, Scenario PreFix, Scenario PostFix);
