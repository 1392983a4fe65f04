using Verify = PtLock.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<PtLock.Analyzers.Rules.NestedPtlWithoutGuardAnalyzer, PtLock.CodeFixes.GuardNestedTableLockCodeFix>;

namespace PtLock.Analyzers.Tests.CodeFixes;

public class GuardNestedTableLockCodeFixTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.LinuxMm;
        using static PtLock.Pgtable;
        using static PtLock.Spinlock;

        """;

    [Fact] // unguarded: the acquisition and its release go under ptl != pml, the acquisition nested
    public Task GuardsAcquireAndRelease() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            static void Retract(Mm mm, Pmd pmd)
            {
                var pml = PmdLock(mm, pmd);
                var pmdval = PmdpGet(pmd);
                var ptl = PteLockptr(mm, pmdval);
                [|SpinLock(ptl)|];
                PmdClear(pmd);
                SpinUnlock(ptl);
                SpinUnlock(pml);
            }
        }
        """, Usings + """
        static class K
        {
            static void Retract(Mm mm, Pmd pmd)
            {
                var pml = PmdLock(mm, pmd);
                var pmdval = PmdpGet(pmd);
                var ptl = PteLockptr(mm, pmdval);
                if (ptl != pml)
                    SpinLockNested(ptl, SingleDepthNesting);
                PmdClear(pmd);
                if (ptl != pml)
                    SpinUnlock(ptl);
                SpinUnlock(pml);
            }
        }
        """, withRuntime: true);

    [Fact] // already compared: only the nested acquisition is missing
    public Task MakesTheGuardedAcquisitionNested() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            static void Retract(Mm mm, Pmd pmd)
            {
                var pml = PmdLock(mm, pmd);
                var ptl = PteLockptr(mm, PmdpGet(pmd));
                if (ptl != pml)
                    [|SpinLock(ptl)|];
                if (ptl != pml)
                    SpinUnlock(ptl);
                SpinUnlock(pml);
            }
        }
        """, Usings + """
        static class K
        {
            static void Retract(Mm mm, Pmd pmd)
            {
                var pml = PmdLock(mm, pmd);
                var ptl = PteLockptr(mm, PmdpGet(pmd));
                if (ptl != pml)
                    SpinLockNested(ptl, SingleDepthNesting);
                if (ptl != pml)
                    SpinUnlock(ptl);
                SpinUnlock(pml);
            }
        }
        """, withRuntime: true);
}
