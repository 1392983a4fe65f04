using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests.Rules;

/// <summary>PTL0008: the hugetlb pte_t * window from huge_pte_alloc/hugetlb_walk to the last use (thread 001).</summary>
public class HugetlbWindowUnlockedTests
{
    private const string Usings = """
        using PtLock;
        using static PtLock.Hugetlb;
        using static PtLock.Spinlock;

        """;

    private static Task Verify(string body) => AllRulesVerifier.VerifyAsync(Usings + "static class K\n{\n" + body + "\n}\n", withRuntime: true);

    [Fact] // the 2020 fault path: nothing covers the window
    public Task LookupWithoutAnyLock() => Verify("""
        static void Fault(Mm mm, Vma vma, ulong haddr)
        {
            var ptep = {|PTL0008:HugePteAlloc(mm, vma, haddr)|};
            if (ptep is null)
                return;
            var ptl = HugePteLock(mm, ptep);
            SpinUnlock(ptl);
        }
        """);

    [Fact] // the pointer outlives the lock
    public Task PointerUsedAfterTheVmaLockWasReleased() => Verify("""
        static void Fault(Mm mm, Vma vma, ulong haddr)
        {
            HugetlbVmaLockRead(vma);
            var ptep = HugePteAlloc(mm, vma, haddr);
            HugetlbVmaUnlockRead(vma);
            if (ptep is null)
                return;
            var ptl = HugePteLock(mm, {|PTL0008:ptep|});
            SpinUnlock(ptl);
        }
        """);

    [Fact] // the lock inside the (shared) PMD page is released after the window closed
    public Task TableLockReleasedAfterTheVmaLock() => Verify("""
        static void Fault(Mm mm, Vma vma, ulong haddr)
        {
            HugetlbVmaLockRead(vma);
            var ptep = HugetlbWalk(vma, haddr);
            if (ptep is null)
            {
                HugetlbVmaUnlockRead(vma);
                return;
            }
            var ptl = HugePteLock(mm, ptep);
            HugetlbVmaUnlockRead(vma);
            SpinUnlock({|PTL0008:ptl|});
        }
        """);

    [Fact] // mainline hugetlb_fault: the vma lock from before the lookup to after the unlock
    public Task MainlineWindowIsSilent() => Verify("""
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
            var entry = HugePtepGet(mm, haddr, ptep);
            SpinUnlock(ptl);
            HugetlbVmaUnlockRead(vma);
            return entry.IsNone ? VmFaultResult.NoPage : VmFaultResult.None;
        }
        """);

    [Fact] // i_mmap_rwsem covers the window too (the unshare paths hold it for write)
    public Task IMmapRwsemCoversTheWindow() => Verify("""
        static bool Present(Vma vma, ulong addr)
        {
            vma.File!.IMmapRwsem.DownRead();
            var ptep = HugetlbWalk(vma, addr);
            bool present = ptep is not null && HugePtepGet(vma.Mm, addr, ptep).IsPresent;
            vma.File!.IMmapRwsem.UpRead();
            return present;
        }
        """);

    [Fact] // a lock held by contract (the caller's) counts
    public Task CallerHeldLockCounts() => Verify("""
        [PtLock.Contracts.Requires("vma.HugetlbVmaLock")]
        static void Unmap(Vma vma, ulong addr)
        {
            var ptep = HugetlbWalk(vma, addr);
            if (ptep is null)
                return;
            var ptl = HugePteLock(vma.Mm, ptep);
            SpinUnlock(ptl);
        }
        """);

    [Fact] // once a pointer is reported, its later uses are not reported again
    public Task ReportedOncePerPointer() => Verify("""
        static void Fault(Mm mm, Vma vma, ulong haddr)
        {
            HugetlbVmaLockRead(vma);
            var ptep = HugePteAlloc(mm, vma, haddr);
            HugetlbVmaUnlockRead(vma);
            if (ptep is null)
                return;
            var entry = HugePtepGet(mm, haddr, {|PTL0008:ptep|});
            var again = HugePtepGet(mm, haddr, ptep);
        }
        """);

    [Fact] // another simulator's own lookup, annotated the same way
    public Task OtherApisAreCheckedThroughTheAttribute() => AllRulesVerifier.VerifyAsync(Prelude.Mutex + """
        public sealed class Slot { }
        public sealed class Area { public Mutex Guard = new Mutex(); }

        public static class Sim
        {
            [Fallible, ValidWhileHeld("area.Guard")]
            public static Slot? Lookup(Area area) => null;
            public static void Use(Slot slot) { }

            public static void Bad(Area area)
            {
                var slot = {|PTL0008:Lookup(area)|};
                if (slot != null)
                    Use(slot);
            }

            public static void Good(Area area)
            {
                area.Guard.ReaderLock();
                var slot = Lookup(area);
                if (slot != null)
                    Use(slot);
                area.Guard.ReaderUnlock();
            }
        }
        """);
}
