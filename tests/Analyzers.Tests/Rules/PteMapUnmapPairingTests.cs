using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL0005: every successful map is unmapped once.</summary>
public class PteMapUnmapPairingTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.LinuxMm;
        using static PtLock.PgtableGeneric;
        using static PtLock.Spinlock;

        """;

    private static Task Verify(string body) => AllRulesVerifier.VerifyAsync(Usings + "static class K\n{\n" + body + "\n}\n", withRuntime: true);


    [Fact]
    public Task LockLessMapLeakedOnOnePath() => Verify("""
        static bool AnyPresent(Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMap(pmd, addr);
            if (pte == null)
                return false;
            if (PtePresent(PtepGet(pte)))
                {|PTL0005:return true;|}
            PteUnmap(pte);
            return false;
        }
        """);

    [Fact] // unmapped twice: the second unmap leaves an RCU section that is not held
    public Task UnmappedTwice() => Verify("""
        static void Twice(Pmd pmd, ulong addr)
        {
            var pte = PteOffsetMap(pmd, addr);
            if (pte == null)
                return;
            PteUnmap(pte);
            {|PTL1004:PteUnmap(pte)|};
        }
        """);
}
