using System.Text;

namespace PtLock;

/// <summary>
/// The per-thread half of the validator (kernel/locking/lockdep.c in spirit): which locks this thread holds,
/// in what order and with what nesting subclass, and which PTE tables it has mapped. Only machines with
/// validation on report here; the bookkeeping is a handful of array slots per thread.
/// </summary>
internal static class LockDep
{
    private struct Held
    {
        public object Lock;
        public LockClass Class;
        public int Subclass;
        public bool Shared;
        public string Name;
    }

    [ThreadStatic] private static Held[]? t_held;
    [ThreadStatic] private static int t_heldCount;
    [ThreadStatic] private static PageFrame?[]? t_mapped;
    [ThreadStatic] private static int t_mappedCount;

    public static void BeforeAcquire(object lck, LockClass cls, int subclass, bool trylock, string name)
    {
        if (cls.Sleeps)
        {
            if (Rcu.Depth > 0)
                throw new PtLockViolationException(RuleIds.SleepInAtomic,
                    $"sleeping lock {name} taken inside an RCU read section (a mapped PTE table is an atomic section)");
            if (HoldsSpinlock())
                throw new PtLockViolationException(RuleIds.SleepingUnderSpin,
                    $"sleeping lock {name} taken while holding spinlock {FirstSpinlockName()}");
        }
        var held = t_held;
        for (int i = 0; i < t_heldCount; i++)
        {
            ref Held h = ref held![i];
            if (ReferenceEquals(h.Lock, lck))
            {
                if (trylock)
                    return;
                if (lck is Ptl)
                    throw new PtLockViolationException(RuleIds.NestedPtlWithoutGuard,
                        $"{name} is already held by this thread: with these locks ptl == pml, so compare them (ptl != pml) before taking the PTE lock");
                throw new PtLockViolationException(RuleIds.AcquiredTwice,
                    $"{name} acquired while already held by this thread (self-deadlock)");
            }
            if (trylock)
                continue;
            if (h.Class.Rank > cls.Rank)
                throw new PtLockViolationException(RuleIds.LockOrder,
                    $"lock order: {name} ({cls.Name}) taken while holding {h.Name} ({h.Class.Name}), which must come after it");
            if (h.Class.Key == cls.Key && h.Subclass == subclass)
            {
                if (cls.Key == "ptlock")
                    throw new PtLockViolationException(RuleIds.NestedPtlWithoutGuard,
                        $"{name} taken while holding {h.Name} of the same lock class without spin_lock_nested(…, SINGLE_DEPTH_NESTING)");
                throw new PtLockViolationException(RuleIds.LockOrder,
                    $"possible recursive locking: {name} taken while holding {h.Name} of the same class {cls.Name} without a nesting annotation");
            }
        }
    }

    public static void Acquired(object lck, LockClass cls, int subclass, bool shared, string name)
    {
        var held = t_held ??= new Held[8];
        if (t_heldCount == held.Length)
            Array.Resize(ref t_held, held.Length * 2);
        t_held![t_heldCount++] = new Held { Lock = lck, Class = cls, Subclass = subclass, Shared = shared, Name = name };
    }

    public static void Released(object lck, string name)
    {
        var held = t_held;
        for (int i = t_heldCount - 1; i >= 0; i--)
        {
            if (!ReferenceEquals(held![i].Lock, lck))
                continue;
            Array.Copy(held, i + 1, held, i, t_heldCount - i - 1);
            held[--t_heldCount] = default;
            return;
        }
        throw new PtLockViolationException(RuleIds.ReleasedNotHeld, $"{name} released by a thread that does not hold it");
    }

    public static bool IsHeld(object lck)
    {
        var held = t_held;
        for (int i = 0; i < t_heldCount; i++)
            if (ReferenceEquals(held![i].Lock, lck))
                return true;
        return false;
    }

    public static bool IsHeldExclusive(object lck)
    {
        var held = t_held;
        for (int i = 0; i < t_heldCount; i++)
            if (ReferenceEquals(held![i].Lock, lck))
                return !held[i].Shared;
        return false;
    }

    public static bool HoldsSpinlock()
    {
        var held = t_held;
        for (int i = 0; i < t_heldCount; i++)
            if (!held![i].Class.Sleeps)
                return true;
        return false;
    }

    public static string FirstSpinlockName()
    {
        var held = t_held;
        for (int i = 0; i < t_heldCount; i++)
            if (!held![i].Class.Sleeps)
                return held[i].Name;
        return "(none)";
    }

    public static int HeldCount => t_heldCount;

    /// <summary>The locks the calling thread holds, outermost first (for reports).</summary>
    public static IReadOnlyList<string> HeldLockNames()
    {
        var names = new List<string>(t_heldCount);
        for (int i = 0; i < t_heldCount; i++)
            names.Add(t_held![i].Name);
        return names;
    }

    public static void Mapped(PageFrame table)
    {
        var mapped = t_mapped ??= new PageFrame?[4];
        if (t_mappedCount == mapped.Length)
            Array.Resize(ref t_mapped, mapped.Length * 2);
        t_mapped![t_mappedCount++] = table;
        Interlocked.Increment(ref table.ReaderMaps);
    }

    /// <summary>Forget one mapping of <paramref name="table"/>; false if this thread had none.</summary>
    public static bool Unmapped(PageFrame table)
    {
        var mapped = t_mapped;
        for (int i = t_mappedCount - 1; i >= 0; i--)
        {
            if (!ReferenceEquals(mapped![i], table))
                continue;
            Array.Copy(mapped, i + 1, mapped, i, t_mappedCount - i - 1);
            mapped[--t_mappedCount] = null;
            Interlocked.Decrement(ref table.ReaderMaps);
            return true;
        }
        return false;
    }

    public static bool HasMapped(PageFrame table)
    {
        var mapped = t_mapped;
        for (int i = 0; i < t_mappedCount; i++)
            if (ReferenceEquals(mapped![i], table))
                return true;
        return false;
    }

    public static int MappedCount => t_mappedCount;

    /// <summary>What the calling thread still holds or maps, or null if nothing: for end-of-operation checks.</summary>
    public static string? DescribeLeftovers()
    {
        if (t_heldCount == 0 && t_mappedCount == 0 && Rcu.Depth == 0)
            return null;
        var sb = new StringBuilder();
        if (t_heldCount > 0)
            sb.Append("holds ").Append(string.Join(", ", HeldLockNames())).Append("; ");
        if (t_mappedCount > 0)
            sb.Append("maps ").Append(t_mappedCount).Append(" PTE table(s); ");
        if (Rcu.Depth > 0)
            sb.Append("RCU depth ").Append(Rcu.Depth);
        return sb.ToString().TrimEnd(' ', ';');
    }

    /// <summary>Drop this thread's records (after a test thread failed midway).</summary>
    public static void ResetThread()
    {
        for (int i = 0; i < t_mappedCount; i++)
            Interlocked.Decrement(ref t_mapped![i]!.ReaderMaps);
        t_heldCount = 0;
        t_mappedCount = 0;
        if (t_held is not null) Array.Clear(t_held);
        if (t_mapped is not null) Array.Clear(t_mapped);
    }
}
