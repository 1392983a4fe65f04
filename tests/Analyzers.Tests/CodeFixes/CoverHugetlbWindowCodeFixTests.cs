using Verify = PtLock.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<PtLock.Analyzers.Rules.HugetlbWindowUnlockedAnalyzer, PtLock.CodeFixes.CoverHugetlbWindowCodeFix>;

namespace PtLock.Analyzers.Tests.CodeFixes;

public class CoverHugetlbWindowCodeFixTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.Hugetlb;
        using static PtLock.Spinlock;

        """;

    [Fact] // the vma lock from the lookup to every exit after it
    public Task TakesTheVmaLockAroundTheWindow() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            static VmFaultResult Fault(Mm mm, Vma vma, ulong haddr)
            {
                var ptep = [|HugePteAlloc(mm, vma, haddr)|];
                if (ptep is null)
                    return VmFaultResult.Oom;
                var ptl = HugePteLock(mm, ptep);
                SpinUnlock(ptl);
                return VmFaultResult.None;
            }
        }
        """, Usings + """
        static class K
        {
            static VmFaultResult Fault(Mm mm, Vma vma, ulong haddr)
            {
                HugetlbVmaLockRead(vma);
                var ptep = HugePteAlloc(mm, vma, haddr);
                if (ptep is null)
                {
                    HugetlbVmaUnlockRead(vma);
                    return VmFaultResult.Oom;
                }
                var ptl = HugePteLock(mm, ptep);
                SpinUnlock(ptl);
                HugetlbVmaUnlockRead(vma);
                return VmFaultResult.None;
            }
        }
        """, withRuntime: true);

    [Fact] // a void method gets the release at its end; Fix All covers every method, type-qualified when not imported
    public Task VoidMethodsWithFixAll() => Verify.VerifyCodeFixAsync("""
        using PtLock;
        static class K
        {
            static void A(Vma vma, ulong addr)
            {
                var ptep = [|Hugetlb.HugetlbWalk(vma, addr)|];
                if (ptep != null)
                    Hugetlb.HugePtepGet(vma.Mm, addr, ptep);
            }

            static void B(Mm mm, Vma vma, ulong addr)
            {
                var ptep = [|Hugetlb.HugePteAlloc(mm, vma, addr)|];
            }
        }
        """, """
        using PtLock;
        static class K
        {
            static void A(Vma vma, ulong addr)
            {
                Hugetlb.HugetlbVmaLockRead(vma);
                var ptep = Hugetlb.HugetlbWalk(vma, addr);
                if (ptep != null)
                    Hugetlb.HugePtepGet(vma.Mm, addr, ptep);
                Hugetlb.HugetlbVmaUnlockRead(vma);
            }

            static void B(Mm mm, Vma vma, ulong addr)
            {
                Hugetlb.HugetlbVmaLockRead(vma);
                var ptep = Hugetlb.HugePteAlloc(mm, vma, addr);
                Hugetlb.HugetlbVmaUnlockRead(vma);
            }
        }
        """, withRuntime: true);

    [Fact] // a use after an early release: where the release belongs is the author's decision
    public Task NoFixForAUseAfterRelease() => Verify.VerifyCodeFixAsync(Usings + """
        static class K
        {
            static void Fault(Mm mm, Vma vma, ulong haddr)
            {
                HugetlbVmaLockRead(vma);
                var ptep = HugePteAlloc(mm, vma, haddr);
                HugetlbVmaUnlockRead(vma);
                if (ptep is null)
                    return;
                HugePtepGet(mm, haddr, [|ptep|]);
            }
        }
        """, Usings + """
        static class K
        {
            static void Fault(Mm mm, Vma vma, ulong haddr)
            {
                HugetlbVmaLockRead(vma);
                var ptep = HugePteAlloc(mm, vma, haddr);
                HugetlbVmaUnlockRead(vma);
                if (ptep is null)
                    return;
                HugePtepGet(mm, haddr, [|ptep|]);
            }
        }
        """, withRuntime: true);
}
