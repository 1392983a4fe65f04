namespace PtLock;

/// <summary>pagetable_*_ctor / pagetable_dtor: (re)initialise a frame as a table page, and tear it down.</summary>
internal static class PageTableCtor
{
    public static void Construct(PageFrame frame, Mm mm, FrameKind kind)
    {
        var machine = mm.Machine;
        frame.TableMm = mm;
        if (frame.Entries is null)
            frame.Entries = new ulong[Geometry.PtrsPerTable];
        else
            Array.Clear(frame.Entries);
        frame.Slots = null;
        frame.LockWord = 0;
        frame.InstalledIn = null;
        frame.EverPublished = false;
        frame.ShareCount = 0;
        frame.EverShared = false;
        frame.FreePending = false;
        frame.Ptl = kind switch
        {
            FrameKind.PteTable when machine.Options.SplitPteLocks => new Ptl(frame, LockClass.PtePtlock, machine),
            FrameKind.PmdTable when machine.Options.SplitPmdLocks => new Ptl(frame, LockClass.PmdPtlock, machine),
            _ => null,
        };
        frame.Table = kind switch
        {
            FrameKind.PteTable => new PteTable(frame),
            FrameKind.PmdTable => new PmdTable(frame),
            _ => null,
        };
    }

    /// <summary>pagetable_dtor + free: the checks that matter are made before the frame can be reused.</summary>
    public static void Destroy(PageFrame frame, string freedBy, bool immediate)
    {
        var machine = frame.Owner.Machine;
        if (machine.Validate)
        {
            if (frame.InstalledIn is { } slot)
                throw new PtLockViolationException(RuleIds.DetachedTableFreedUnsafely,
                    $"{freedBy}: table {frame} is still installed in {slot}; clear the entry first");
            if (Volatile.Read(ref frame.LockWord) != 0)
                throw new PtLockViolationException(RuleIds.UseAfterUnmap,
                    $"{freedBy}: table {frame} is freed while its ptl is held by thread {frame.LockWord}");
            int readers = LockDep.ReadersMapping(frame);
            if (readers > 0)
                throw new PtLockViolationException(immediate ? RuleIds.PublishedTableFreedNow : RuleIds.FreedUnderReader,
                    $"{freedBy}: table {frame} is freed while {readers} lockless walker(s) still map it");
        }
        frame.Ptl = null;
        frame.Table = null;
        frame.Slots = null;
        frame.InstalledIn = null;
        frame.TableMm = null;
        frame.Owner.Free(frame, freedBy);
    }
}
