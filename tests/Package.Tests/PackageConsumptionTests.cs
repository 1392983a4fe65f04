namespace PtLock.Package.Tests;

/// <summary>
/// The product promise, checked with real <c>dotnet build</c> runs of fresh consumers of the packed package:
/// the runtime API resolves, the analyzers run in the consumer's build, severities follow .editorconfig, SARIF
/// carries the help links, and another simulator's own annotated API is checked too.
/// </summary>
public class PackageConsumptionTests : IClassFixture<PackedPackage>
{
    private readonly PackedPackage _package;

    public PackageConsumptionTests(PackedPackage package) => _package = package;

    private const string SeedBugs = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.PgtableGeneric;

        public static class SeedBugs
        {
            // finish_fault before thread 003's fix: installs without the recheck under the ptl.
            public static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
            {
                var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
                if (pte == null)
                    return;
                SetPteAt(mm, addr, pte, entry);
                PteUnmapUnlock(pte, ptl);
            }

            // A walker that assumes pte_offset_map cannot fail.
            public static bool Present(Pmd pmd, ulong addr)
            {
                var pte = PteOffsetMap(pmd, addr);
                bool present = PtePresent(PtepGet(pte));
                PteUnmap(pte);
                return present;
            }
        }
        """;

    private const string Clean = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.PgtableGeneric;

        public static class Fixed
        {
            public static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
            {
                var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
                if (pte == null)
                    return;
                if (PteNone(PtepGet(pte)))
                    SetPteAt(mm, addr, pte, entry);
                PteUnmapUnlock(pte, ptl);
            }
        }
        """;

    /// <summary>Another simulator: its own lock and table types, annotated with PtLock.Contracts only.</summary>
    private const string OtherSimulator = """
        using PtLock.Contracts;

        namespace OtherSim;

        [Capability("spinlock")]
        public sealed class TableLock
        {
            [Acquires("this")] public void Lock() { }
            [Releases("this")] public void Unlock() { }
        }

        public sealed class Slot { public int Value; }

        public sealed class Table
        {
            public readonly TableLock Lock = new TableLock();
            [GuardedBy("Lock")] public int Count;

            [Fallible] public Slot? Find(int index) => index < 0 ? null : new Slot();
            public static int Read(Slot? slot) => slot?.Value ?? 0;
        }

        public static class Walker
        {
            public static void Bump(Table t) => t.Count++;

            public static int Peek(Table t)
            {
                var slot = t.Find(1);
                return Table.Read(slot);
            }
        }
        """;

    [Fact]
    public void SeedBugsFailTheBuildAndTheSarifLogNamesTheRules()
    {
        var consumer = new Consumer(_package, "SeedBugs", SeedBugs);
        string sarif = Path.Combine(consumer.Folder, "build.sarif");
        var build = consumer.Build("-p:ErrorLog=" + sarif);
        Assert.True(build.ExitCode != 0, "the build should fail on the seed rules:\n" + build.Output);
        Assert.Contains("error PTL0003", build.Output);
        Assert.Contains("error PTL0004", build.Output);
        Assert.Contains("docs/rules/PTL0003.md", build.Output);
        Assert.DoesNotContain("error CS", build.Output);   // the runtime API resolved from lib/
        Assert.DoesNotContain("AD0001", build.Output);     // no analyzer crashed
        Assert.True(File.Exists(sarif), "no SARIF log written:\n" + build.Output);
        string log = File.ReadAllText(sarif);
        Assert.Contains("\"PTL0003\"", log);
        Assert.Contains("\"PTL0004\"", log);
        Assert.Contains("docs/rules/PTL0004.md", log);
    }

    [Fact]
    public void EditorConfigDowngradesOneRule()
    {
        var consumer = new Consumer(_package, "Downgraded", SeedBugs, "dotnet_diagnostic.PTL0003.severity = warning\n");
        var build = consumer.Build();
        Assert.Contains("warning PTL0003", build.Output);
        Assert.DoesNotContain("error PTL0003", build.Output);
        Assert.Contains("error PTL0004", build.Output);
        Assert.True(build.ExitCode != 0, build.Output);
    }

    [Fact]
    public void CleanCodeBuildsWithoutDiagnostics()
    {
        var build = new Consumer(_package, "Clean", Clean).Build();
        Assert.True(build.ExitCode == 0, build.Output);
        Assert.DoesNotContain("PTL", build.Output.Replace("PtLock", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void AnotherSimulatorIsCheckedOnItsOwnApiAndCiCanMakeEveryRuleAnError()
    {
        var relaxed = new Consumer(_package, "OtherSim", OtherSimulator).Build();
        Assert.True(relaxed.ExitCode != 0, relaxed.Output);
        Assert.Contains("warning PTL1002", relaxed.Output);   // guarded field without its lock
        Assert.Contains("error PTL0004", relaxed.Output);   // an error by default: the relaxed build fails on it

        var strict = new Consumer(_package, "OtherSimStrict", OtherSimulator,
            "dotnet_analyzer_diagnostic.category-Locking.severity = error\ndotnet_analyzer_diagnostic.category-PageTables.severity = error\n").Build();
        Assert.True(strict.ExitCode != 0, strict.Output);
        Assert.Contains("error PTL1002", strict.Output);
        Assert.Contains("error PTL0004", strict.Output);
    }
}
