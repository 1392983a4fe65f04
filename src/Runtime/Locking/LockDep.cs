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

    /// <summary>
    /// The PTE tables one thread has mapped. Other threads read it only when they free a table, to see
    /// whether a walker still maps it; mapping stays free of atomic operations.
    /// </summary>
    private sealed class MappedTables
    {
        public PageFrame?[] Slots = new PageFrame?[4];
        public int Count;
        public readonly Thread Thread = Thread.CurrentThread;
    }

    [ThreadStatic] private static Held[]? t_held;
    [ThreadStatic] private static int t_heldCount;
    [ThreadStatic] private static MappedTables? t_mapped;
    private static MappedTables[] s_allMapped = Array.Empty<MappedTables>();
    private static readonly object s_registryGate = new();

    public static void BeforeAcquire(object lck, LockClass cls, int subclass, bool trylock, string name)
    {
        // A trylock never sleeps, so it is allowed where sleeping is not (folio_trylock under a ptl).
        if (cls.Sleeps && !trylock)
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
            if (h.Class.Key == cls.Key && h.Subclass == subclass && !cls.NestsFreely)
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
            int after = t_heldCount - i - 1;
            if (after > 0)
                Array.Copy(held, i + 1, held, i, after);
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
        var mine = t_mapped ?? RegisterMapped();
        if (mine.Count == mine.Slots.Length)
        {
            var bigger = new PageFrame?[mine.Slots.Length * 2];
            Array.Copy(mine.Slots, bigger, mine.Count);
            Volatile.Write(ref mine.Slots, bigger);
        }
        Volatile.Write(ref mine.Slots[mine.Count], table);
        Volatile.Write(ref mine.Count, mine.Count + 1);
    }

    /// <summary>Forget one mapping of <paramref name="table"/>; false if this thread had none.</summary>
    public static bool Unmapped(PageFrame table)
    {
        var mine = t_mapped;
        if (mine is null)
            return false;
        var slots = mine.Slots;
        for (int i = mine.Count - 1; i >= 0; i--)
        {
            if (!ReferenceEquals(slots[i], table))
                continue;
            int last = mine.Count - 1;
            Volatile.Write(ref slots[i], slots[last]);
            Volatile.Write(ref mine.Count, last);
            slots[last] = null;
            return true;
        }
        return false;
    }

    public static bool HasMapped(PageFrame table)
    {
        var mine = t_mapped;
        if (mine is null)
            return false;
        for (int i = 0; i < mine.Count; i++)
            if (ReferenceEquals(mine.Slots[i], table))
                return true;
        return false;
    }

    /// <summary>How many threads currently have <paramref name="table"/> mapped (a racy but sound-enough count).</summary>
    public static int ReadersMapping(PageFrame table)
    {
        int readers = 0;
        foreach (var state in Volatile.Read(ref s_allMapped))
        {
            var slots = Volatile.Read(ref state.Slots);
            int count = Math.Min(Volatile.Read(ref state.Count), slots.Length);
            for (int i = 0; i < count; i++)
            {
                if (ReferenceEquals(Volatile.Read(ref slots[i]), table))
                {
                    readers++;
                    break;
                }
            }
        }
        return readers;
    }

    private static MappedTables RegisterMapped()
    {
        var mine = new MappedTables();
        lock (s_registryGate)
        {
            var live = new List<MappedTables>();
            foreach (var m in s_allMapped)
                if (m.Thread.IsAlive)
                    live.Add(m);
            live.Add(mine);
            Volatile.Write(ref s_allMapped, live.ToArray());
        }
        t_mapped = mine;
        return mine;
    }

    public static int MappedCount => t_mapped?.Count ?? 0;

    /// <summary>What the calling thread still holds or maps, or null if nothing: for end-of-operation checks.</summary>
    public static string? DescribeLeftovers()
    {
        int mapped = MappedCount;
        if (t_heldCount == 0 && mapped == 0 && Rcu.Depth == 0)
            return null;
        var sb = new StringBuilder();
        if (t_heldCount > 0)
            sb.Append("holds ").Append(string.Join(", ", HeldLockNames())).Append("; ");
        if (mapped > 0)
            sb.Append("maps ").Append(mapped).Append(" PTE table(s); ");
        if (Rcu.Depth > 0)
            sb.Append("RCU depth ").Append(Rcu.Depth);
        return sb.ToString().TrimEnd(' ', ';');
    }

    /// <summary>Drop this thread's records (after a test thread failed midway).</summary>
    public static void ResetThread()
    {
        t_heldCount = 0;
        if (t_held is not null) Array.Clear(t_held);
        if (t_mapped is { } mine)
        {
            Volatile.Write(ref mine.Count, 0);
            Array.Clear(mine.Slots);
        }
    }
}
