using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace PtLock.Analyzers.Engine
{
    /// <summary>One held lock in a flow state.</summary>
    internal sealed class HeldLock
    {
        public HeldLock(LockKey key, bool shared, int depth, Location acquiredAt, bool maybe, string? unlessEqual, bool fromContract, string? acquiredBy, string? settledBy = null, bool rechecked = false,
            bool strongRecheck = false, bool needsStrongRecheck = false)
        {
            Rechecked = rechecked;
            StrongRecheck = strongRecheck;
            NeedsStrongRecheck = needsStrongRecheck;
            SettledBy = settledBy;
            Key = key;
            Shared = shared;
            Depth = depth;
            AcquiredAt = acquiredAt;
            Maybe = maybe;
            UnlessEqual = unlessEqual;
            FromContract = fromContract;
            AcquiredBy = acquiredBy;
        }

        public LockKey Key { get; }
        public bool Shared { get; }
        public int Depth { get; }
        public Location AcquiredAt { get; }

        /// <summary>Held on some paths only (a PTL1006 join was seen): no further reports about it.</summary>
        public bool Maybe { get; }

        /// <summary>
        /// Held only when the condition with this id is false. For a lock-equality condition: when it is true
        /// this lock is the other lock of the comparison (the <c>if (ptl != pml) spin_lock_nested(ptl)</c>
        /// pattern). For a nullness condition "null:X": the lock was taken only if X is non-null.
        /// </summary>
        public string? UnlessEqual { get; }

        /// <summary>Held because the method's own contract says so (Requires/Releases at entry, AssertHeld).</summary>
        public bool FromContract { get; }

        /// <summary>The method whose call acquired it (for fixes), or null.</summary>
        public string? AcquiredBy { get; }

        /// <summary>A [Recheck] call (pte_same, pte_none on a fresh read) ran since this lock was taken.</summary>
        public bool Rechecked { get; }

        /// <summary>The recheck compared against a snapshot (pmd_same, pte_same), not just "still none".</summary>
        public bool StrongRecheck { get; }

        /// <summary>
        /// The lock came from pte_offset_map_rw_nolock: a detached table reads all-none, so only pmd_same (or a
        /// pte_same against a non-none value) proves the table is still the one installed (thread 004).
        /// </summary>
        public bool NeedsStrongRecheck { get; }

        /// <summary>For a lock taken by a try-acquire that succeeds on non-null: the value whose non-nullness took it.</summary>
        public string? SettledBy { get; }

        /// <summary>This lock with some facts changed (this instance itself when none changes).</summary>
        [MethodImpl(JitOptions.Optimized)]
        public HeldLock With(bool? shared = null, int? depth = null, bool? maybe = null, string? unlessEqual = null, bool clearUnless = false, bool? rechecked = null, bool? strongRecheck = null)
        {
            bool newShared = shared ?? Shared, newMaybe = maybe ?? Maybe, newRechecked = rechecked ?? Rechecked, newStrong = strongRecheck ?? StrongRecheck;
            int newDepth = depth ?? Depth;
            string? newUnless = clearUnless ? null : unlessEqual ?? UnlessEqual;
            if (newShared == Shared && newMaybe == Maybe && newRechecked == Rechecked && newStrong == StrongRecheck && newDepth == Depth && newUnless == UnlessEqual)
                return this;
            return new HeldLock(Key, newShared, newDepth, AcquiredAt, newMaybe, newUnless, FromContract, AcquiredBy, SettledBy, newRechecked, newStrong, NeedsStrongRecheck);
        }

        [MethodImpl(JitOptions.Optimized)]
        public bool SameAs(HeldLock other) =>
            Shared == other.Shared && Depth == other.Depth && Maybe == other.Maybe && UnlessEqual == other.UnlessEqual && Rechecked == other.Rechecked
            && StrongRecheck == other.StrongRecheck;
    }

    /// <summary>A try-acquire whose outcome is not known yet: acquired on the edge where its result succeeds.</summary>
    internal sealed class PendingAcquire
    {
        public PendingAcquire(ImmutableArray<LockKey> locks, SuccessWhen when, bool shared, Location at, string? acquiredBy)
        {
            Locks = locks;
            When = when;
            Shared = shared;
            At = at;
            AcquiredBy = acquiredBy;
        }

        public ImmutableArray<LockKey> Locks { get; }
        public SuccessWhen When { get; }
        public bool Shared { get; }
        public Location At { get; }
        public string? AcquiredBy { get; }
    }

    /// <summary>
    /// The flow state at a program point: held locks, the symbolic value of each local and flow capture,
    /// pending try-acquires keyed by the value that decides them, locks managed by scope values, and the
    /// lock-equality conditions assumed on this path. Immutable; transfers build new states.
    /// </summary>
    internal sealed class LockState
    {
        public static readonly LockState Empty = new LockState(
            SmallMap<string, HeldLock>.Empty,
            SmallMap<ISymbol, string>.Create(SymbolEqualityComparer.Default),
            SmallMap<CaptureId, string>.Empty,
            SmallMap<string, PendingAcquire>.Empty,
            SmallMap<string, ImmutableArray<LockKey>>.Empty,
            SmallMap<string, bool>.Empty,
            SmallMap<string, (string, string)>.Empty,
            SmallMap<string, string>.Empty,
            SmallMap<string, string>.Empty,
            ImmutableHashSet<string>.Empty);

        public LockState(
            SmallMap<string, HeldLock> held,
            SmallMap<ISymbol, string> values,
            SmallMap<CaptureId, string> captures,
            SmallMap<string, PendingAcquire> pending,
            SmallMap<string, ImmutableArray<LockKey>> managed,
            SmallMap<string, bool> assumptions,
            SmallMap<string, (string, string)> conditions,
            SmallMap<string, string> paths,
            SmallMap<string, string> nonNullOrigins,
            ImmutableHashSet<string> @unchecked)
        {
            Unchecked = @unchecked;
            Paths = paths;
            NonNullOrigins = nonNullOrigins;
            Held = held;
            Values = values;
            Captures = captures;
            Pending = pending;
            Managed = managed;
            Assumptions = assumptions;
            Conditions = conditions;
        }

        public SmallMap<string, HeldLock> Held { get; }
        public SmallMap<ISymbol, string> Values { get; }
        public SmallMap<CaptureId, string> Captures { get; }
        public SmallMap<string, PendingAcquire> Pending { get; }
        public SmallMap<string, ImmutableArray<LockKey>> Managed { get; }

        /// <summary>Lock-equality conditions assumed on this path: condition id → "the two locks are the same".</summary>
        public SmallMap<string, bool> Assumptions { get; }

        /// <summary>Condition id → the two lock ids it compares (ordered).</summary>
        public SmallMap<string, (string, string)> Conditions { get; }

        /// <summary>Fields and properties assigned in this body: member path → the value stored there.</summary>
        public SmallMap<string, string> Paths { get; }

        /// <summary>Results of fallible calls not yet tested for null on this path.</summary>
        public ImmutableHashSet<string> Unchecked { get; }

        /// <summary>Join values that are "null, or this one value": phi id → the value it is when non-null.</summary>
        public SmallMap<string, string> NonNullOrigins { get; }

        // Each With* returns this state when the map is the one it already has: transfers that change nothing
        // (SetItem of the same value, Remove of an absent key) allocate nothing.
        [MethodImpl(JitOptions.Optimized)]
        public LockState WithHeld(SmallMap<string, HeldLock> held) => ReferenceEquals(held, Held) ? this : new LockState(held, Values, Captures, Pending, Managed, Assumptions, Conditions, Paths, NonNullOrigins, Unchecked);
        [MethodImpl(JitOptions.Optimized)]
        public LockState WithValues(SmallMap<ISymbol, string> values) => ReferenceEquals(values, Values) ? this : new LockState(Held, values, Captures, Pending, Managed, Assumptions, Conditions, Paths, NonNullOrigins, Unchecked);
        [MethodImpl(JitOptions.Optimized)]
        public LockState WithCaptures(SmallMap<CaptureId, string> captures) => ReferenceEquals(captures, Captures) ? this : new LockState(Held, Values, captures, Pending, Managed, Assumptions, Conditions, Paths, NonNullOrigins, Unchecked);
        [MethodImpl(JitOptions.Optimized)]
        public LockState WithPending(SmallMap<string, PendingAcquire> pending) => ReferenceEquals(pending, Pending) ? this : new LockState(Held, Values, Captures, pending, Managed, Assumptions, Conditions, Paths, NonNullOrigins, Unchecked);
        [MethodImpl(JitOptions.Optimized)]
        public LockState WithManaged(SmallMap<string, ImmutableArray<LockKey>> managed) => ReferenceEquals(managed, Managed) ? this : new LockState(Held, Values, Captures, Pending, managed, Assumptions, Conditions, Paths, NonNullOrigins, Unchecked);
        [MethodImpl(JitOptions.Optimized)]
        public LockState WithAssumptions(SmallMap<string, bool> assumptions, SmallMap<string, (string, string)> conditions) =>
            ReferenceEquals(assumptions, Assumptions) && ReferenceEquals(conditions, Conditions) ? this : new LockState(Held, Values, Captures, Pending, Managed, assumptions, conditions, Paths, NonNullOrigins, Unchecked);
        [MethodImpl(JitOptions.Optimized)]
        public LockState WithNonNullOrigins(SmallMap<string, string> origins) => ReferenceEquals(origins, NonNullOrigins) ? this : new LockState(Held, Values, Captures, Pending, Managed, Assumptions, Conditions, Paths, origins, Unchecked);
        [MethodImpl(JitOptions.Optimized)]
        public LockState WithUnchecked(ImmutableHashSet<string> @unchecked) => ReferenceEquals(@unchecked, Unchecked) ? this : new LockState(Held, Values, Captures, Pending, Managed, Assumptions, Conditions, Paths, NonNullOrigins, @unchecked);
        [MethodImpl(JitOptions.Optimized)]
        public LockState WithPaths(SmallMap<string, string> paths) => ReferenceEquals(paths, Paths) ? this : new LockState(Held, Values, Captures, Pending, Managed, Assumptions, Conditions, paths, NonNullOrigins, Unchecked);

        /// <summary>
        /// What this path assumes about whether <paramref name="value"/> is null (the "null:value" assumption),
        /// found without building the key: joins and calls ask this for values that mostly have no assumption.
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        public bool TryGetNullness(string value, out bool isNull)
        {
            const string prefix = "null:";
            var keys = Assumptions.Keys;
            for (int i = 0; i < keys.Count; i++)
            {
                string key = keys[i];
                if (key.Length == prefix.Length + value.Length && key.StartsWith(prefix, System.StringComparison.Ordinal)
                    && string.CompareOrdinal(key, prefix.Length, value, 0, value.Length) == 0)
                {
                    isNull = Assumptions.Values[i];
                    return true;
                }
            }
            isNull = false;
            return false;
        }

        /// <summary>The held entry for <paramref name="id"/>, directly or through an assumed equality.</summary>
        [MethodImpl(JitOptions.Optimized)]
        public HeldLock? Find(string id)
        {
            if (Held.TryGetValue(id, out var h) && !IsVacuous(h))
                return h;
            foreach (var kv in Assumptions)
            {
                if (!kv.Value || !Conditions.TryGetValue(kv.Key, out var pair))
                    continue;
                string? other = pair.Item1 == id ? pair.Item2 : pair.Item2 == id ? pair.Item1 : null;
                if (other is not null && Held.TryGetValue(other, out var o) && !IsVacuous(o))
                    return o;
            }
            return null;
        }

        /// <summary>An entry held only "unless equal" on a path that assumes the equality is not held at all.</summary>
        [MethodImpl(JitOptions.Optimized)]
        public bool IsVacuous(HeldLock h) =>
            h.UnlessEqual is { } c && Assumptions.TryGetValue(c, out bool equal) && equal;

        [MethodImpl(JitOptions.Optimized)]
        public bool HoldsSpinning(out HeldLock? spin)
        {
            foreach (var h in Held.Values)
            {
                if (!IsVacuous(h) && !h.Maybe && !h.Key.Capability.Sleeps)
                {
                    spin = h;
                    return true;
                }
            }
            spin = null;
            return false;
        }

        [MethodImpl(JitOptions.Optimized)]
        public bool SameAs(LockState other)
        {
            if (ReferenceEquals(this, other))
                return true;
            if (Paths.Count != other.Paths.Count || !Unchecked.SetEquals(other.Unchecked))
                return false;
            foreach (var kv in Paths)
                if (!other.Paths.TryGetValue(kv.Key, out var op) || op != kv.Value)
                    return false;
            if (Held.Count != other.Held.Count || Values.Count != other.Values.Count || Captures.Count != other.Captures.Count
                || Pending.Count != other.Pending.Count || Managed.Count != other.Managed.Count || Assumptions.Count != other.Assumptions.Count)
                return false;
            foreach (var kv in Held)
                if (!other.Held.TryGetValue(kv.Key, out var o) || !o.SameAs(kv.Value))
                    return false;
            foreach (var kv in Values)
                if (!other.Values.TryGetValue(kv.Key, out var o) || o != kv.Value)
                    return false;
            foreach (var kv in Captures)
                if (!other.Captures.TryGetValue(kv.Key, out var o) || o != kv.Value)
                    return false;
            foreach (var kv in Pending)
                if (!other.Pending.ContainsKey(kv.Key))
                    return false;
            foreach (var kv in Managed)
                if (!other.Managed.ContainsKey(kv.Key))
                    return false;
            foreach (var kv in Assumptions)
                if (!other.Assumptions.TryGetValue(kv.Key, out var o) || o != kv.Value)
                    return false;
            return true;
        }
    }
}
