using Verify = PtLock.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<PtLock.Analyzers.Rules.PteLockptrUnstablePmdAnalyzer, PtLock.CodeFixes.InsertPmdStateRecheckCodeFix>;

namespace PtLock.Analyzers.Tests.CodeFixes;

public class InsertPmdStateRecheckCodeFixTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.LinuxMm;
        using static PtLock.Spinlock;

        """;

    [Fact] // in a loop (retract_page_tables): recheck, and on failure drop the PMD lock and go on with the next VMA
    public Task LoopContinuesWithFixAll() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            static void Retract(Mm mm, Pmd[] pmds)
            {
                foreach (var pmd in pmds)
                {
                    var pml = PmdLock(mm, pmd);
                    var ptl = [|PteLockptr(mm, pmd)|];
                    SpinUnlock(pml);
                }
                int i = 0;
                while (i < pmds.Length)
                {
                    var next = pmds[i++];
                    var pml = PmdLock(mm, next);
                    var ptl = [|PteLockptr(mm, next)|];
                    SpinUnlock(pml);
                }
            }
        }
        """, Usings + """
        static class K
        {
            static void Retract(Mm mm, Pmd[] pmds)
            {
                foreach (var pmd in pmds)
                {
                    var pml = PmdLock(mm, pmd);
                    if (Khugepaged.CheckPmdState(pmd) != ScanResult.Succeed)
                    {
                        SpinUnlock(pml);
                        continue;
                    }
                    var ptl = PteLockptr(mm, pmd);
                    SpinUnlock(pml);
                }
                int i = 0;
                while (i < pmds.Length)
                {
                    var next = pmds[i++];
                    var pml = PmdLock(mm, next);
                    if (Khugepaged.CheckPmdState(next) != ScanResult.Succeed)
                    {
                        SpinUnlock(pml);
                        continue;
                    }
                    var ptl = PteLockptr(mm, next);
                    SpinUnlock(pml);
                }
            }
        }
        """, withRuntime: true);

    [Fact] // a void method returns
    public Task VoidMethodReturns() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            static void Retract(Mm mm, Pmd pmd)
            {
                var pml = PmdLock(mm, pmd);
                var ptl = [|PteLockptr(mm, pmd)|];
                SpinUnlock(pml);
            }
        }
        """, Usings + """
        static class K
        {
            static void Retract(Mm mm, Pmd pmd)
            {
                var pml = PmdLock(mm, pmd);
                if (Khugepaged.CheckPmdState(pmd) != ScanResult.Succeed)
                {
                    SpinUnlock(pml);
                    return;
                }
                var ptl = PteLockptr(mm, pmd);
                SpinUnlock(pml);
            }
        }
        """, withRuntime: true);

    [Fact] // what a non-void method should return when the PMD changed is the author's call; nor is a missing lock this fix's
    public Task NoFixForAValueOrWithoutThePmdLock() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            static int Retract(Mm mm, Pmd pmd)
            {
                var pml = PmdLock(mm, pmd);
                var ptl = [|PteLockptr(mm, pmd)|];
                SpinUnlock(pml);
                return 1;
            }

            static Ptl Unlocked(Mm mm, Pmd pmd) => [|PteLockptr(mm, pmd)|];
        }
        """, Usings + """
        static class K
        {
            static int Retract(Mm mm, Pmd pmd)
            {
                var pml = PmdLock(mm, pmd);
                var ptl = [|PteLockptr(mm, pmd)|];
                SpinUnlock(pml);
                return 1;
            }

            static Ptl Unlocked(Mm mm, Pmd pmd) => [|PteLockptr(mm, pmd)|];
        }
        """, withRuntime: true);
}
