using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace PtLock.Analyzers.Engine
{
    internal sealed partial class LockFlowAnalysis
    {
        /// <summary>A lock held on one incoming path and not on another, found while joining.</summary>
        private readonly struct Mismatch
        {
            public Mismatch(HeldLock held, bool depthOrMode)
            {
                Held = held;
                DepthOrMode = depthOrMode;
            }

            public HeldLock Held { get; }
            public bool DepthOrMode { get; }
        }

        /// <summary>
        /// Merge two states reaching block <paramref name="at"/>. Locks held on only one side become "maybe"
        /// (and are reported once), except where the other side holds them under an assumed equality with
        /// a held lock: then they stay held, "unless the two locks are the same".
        /// </summary>
        private static readonly IReadOnlyList<Mismatch> s_noMismatches = System.Array.Empty<Mismatch>();

        [MethodImpl(JitOptions.Optimized)]
        private (LockState State, IReadOnlyList<Mismatch> Mismatches) Join(LockState a, LockState b, int at)
        {
            if (ReferenceEquals(a, b))
                return (a, s_noMismatches); // both edges of a branch that refined nothing
            // Where one path stored null and the other a value V, the variable holds "V or null": naming it V
            // keeps lock identities, and a later null test tells the two apart. (Not when the null path
            // knows V itself is non-null: then the variable no longer holds V there.)
            var origins = a.NonNullOrigins;
            foreach (var kv in b.NonNullOrigins)
                origins = origins.TryGetValue(kv.Key, out var o) && o != kv.Value ? origins.Remove(kv.Key) : origins.SetItem(kv.Key, kv.Value);
            string JoinValue(string mine, LockState mineState, string theirs, LockState theirState, string phi)
            {
                if (mine == theirs)
                    return mine;
                if (KnownNull(mine, mineState) && !KnownNonNull(theirs, mineState))
                    return theirs;
                if (KnownNull(theirs, theirState) && !KnownNonNull(mine, theirState))
                    return mine;
                // "null here, V there": a later non-null test of the phi recovers V.
                if (KnownNull(mine, mineState))
                    origins = origins.SetItem(phi, theirs);
                else if (KnownNull(theirs, theirState))
                    origins = origins.SetItem(phi, mine);
                return phi;
            }

            var values = a.Values;
            foreach (var kv in b.Values)
            {
                if (!values.TryGetValue(kv.Key, out var mine))
                    values = values.SetItem(kv.Key, kv.Value);
                else if (mine != kv.Value)
                    values = values.SetItem(kv.Key, JoinValue(mine, a, kv.Value, b, "phi:" + kv.Key.Name + "@" + at));
            }
            var captures = a.Captures;
            foreach (var kv in b.Captures)
            {
                if (!captures.TryGetValue(kv.Key, out var mine))
                    captures = captures.SetItem(kv.Key, kv.Value);
                else if (mine != kv.Value)
                    captures = captures.SetItem(kv.Key, JoinValue(mine, a, kv.Value, b, "phi:c" + kv.Key.GetHashCode() + "@" + at));
            }
            // A member assigned on one path only keeps the value stored (the other path never looked). A pointer
            // is unmapped after the join only if it was on every path.
            var paths = a.Paths;
            foreach (var kv in a.Paths)
                if (kv.Key.StartsWith("unmapped:", System.StringComparison.Ordinal) && !b.Paths.ContainsKey(kv.Key))
                    paths = paths.Remove(kv.Key);
            foreach (var kv in b.Paths)
            {
                if (kv.Key.StartsWith("unmapped:", System.StringComparison.Ordinal))
                    continue;
                if (!paths.TryGetValue(kv.Key, out var mine))
                    paths = paths.SetItem(kv.Key, kv.Value);
                else if (mine != kv.Value && kv.Key.StartsWith(RecheckMark, System.StringComparison.Ordinal))
                    paths = paths.Remove(kv.Key); // credited differently on each path: keep the credit rather than guess what to undo
                else if (mine != kv.Value)
                    paths = paths.SetItem(kv.Key, JoinValue(mine, a, kv.Value, b, "phi:" + kv.Key + "@" + at));
            }

            List<Mismatch>? mismatches = null;
            var held = SmallMap<string, HeldLock>.Empty.ToBuilder();
            foreach (var kv in a.Held)
                MergeHeld(kv.Value, a, b, held, ref mismatches, values, paths);
            foreach (var kv in b.Held)
                if (!held.ContainsKey(kv.Key))
                    MergeHeld(kv.Value, b, a, held, ref mismatches, values, paths);

            var pending = a.Pending;
            foreach (var kv in b.Pending)
                if (!pending.ContainsKey(kv.Key))
                    pending = pending.SetItem(kv.Key, kv.Value);
            var managed = a.Managed;
            foreach (var kv in b.Managed)
                if (!managed.ContainsKey(kv.Key))
                    managed = managed.SetItem(kv.Key, kv.Value);
            // The assumptions both paths make; usually all of them, and then the map is kept as it is.
            var assumptions = a.Assumptions;
            foreach (var kv in a.Assumptions)
                if (!b.Assumptions.TryGetValue(kv.Key, out var other) || other != kv.Value)
                    assumptions = assumptions.Remove(kv.Key);
            var conditions = a.Conditions;
            foreach (var kv in b.Conditions)
                if (!conditions.ContainsKey(kv.Key))
                    conditions = conditions.SetItem(kv.Key, kv.Value);

            var state = new LockState(held.ToImmutable(a.Held), values, captures, pending, managed, assumptions, conditions, paths, origins, UnionOf(a.Unchecked, b.Unchecked));
            return (state, mismatches ?? s_noMismatches);
        }

        [MethodImpl(JitOptions.Optimized)]
        private static ImmutableHashSet<string> UnionOf(ImmutableHashSet<string> a, ImmutableHashSet<string> b) =>
            ReferenceEquals(a, b) || b.IsEmpty ? a : a.IsEmpty ? b : a.Union(b);

        [MethodImpl(JitOptions.Optimized)]
        private static bool KnownNull(string value, LockState state) =>
            value == "const:null" || state.TryGetNullness(value, out bool isNull) && isNull;

        [MethodImpl(JitOptions.Optimized)]
        private static bool KnownNonNull(string value, LockState state) =>
            state.TryGetNullness(value, out bool isNull) && !isNull;

        /// <summary>
        /// A variable (local or member path) that holds <paramref name="settled"/> on one side and a known null
        /// on the other: after the join, the lock is held exactly when that variable is non-null.
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        private static string? NullnessWitness(string settled, LockState mine, LockState other,
            SmallMap<ISymbol, string> joinedValues, SmallMap<string, string> joinedPaths)
        {
            foreach (var kv in mine.Values)
                if (kv.Value == settled && other.Values.TryGetValue(kv.Key, out var theirs) && KnownNull(theirs, other) && joinedValues.TryGetValue(kv.Key, out var joined))
                    return joined;
            foreach (var kv in mine.Paths)
                if (kv.Value == settled && other.Paths.TryGetValue(kv.Key, out var theirs) && KnownNull(theirs, other) && joinedPaths.TryGetValue(kv.Key, out var joined))
                    return joined;
            return null;
        }

        [MethodImpl(JitOptions.Optimized)]
        private static void MergeHeld(HeldLock mine, LockState mineState, LockState otherState, SmallMap<string, HeldLock>.Builder result, ref List<Mismatch>? mismatches,
            SmallMap<ISymbol, string> joinedValues, SmallMap<string, string> joinedPaths)
        {
            if (mineState.IsVacuous(mine))
            {
                // On this path the lock is another, held lock; if the other path holds it, it stays held there.
                if (otherState.Held.TryGetValue(mine.Key.Id, out var real) && !otherState.IsVacuous(real))
                    result[mine.Key.Id] = real.With(unlessEqual: mine.UnlessEqual);
                return;
            }
            if (otherState.Held.TryGetValue(mine.Key.Id, out var theirs) && !otherState.IsVacuous(theirs))
            {
                bool differs = mine.Shared != theirs.Shared || mine.Depth != theirs.Depth;
                if (differs && !mine.Maybe && !theirs.Maybe)
                    (mismatches ??= new List<Mismatch>()).Add(new Mismatch(mine, depthOrMode: true));
                bool maybe = mine.Maybe || theirs.Maybe || differs;
                string? guard = mine.UnlessEqual is not null && theirs.UnlessEqual == mine.UnlessEqual ? mine.UnlessEqual : null;
                result[mine.Key.Id] = mine.With(maybe: maybe, unlessEqual: guard, clearUnless: guard is null, rechecked: mine.Rechecked && theirs.Rechecked, strongRecheck: mine.StrongRecheck && theirs.StrongRecheck);
                return;
            }
            if (mine.Maybe)
            {
                result[mine.Key.Id] = mine;
                return;
            }
            // Already held only if some value is non-null, and the other path holds null in a variable that
            // held that value here: held exactly when the joined variable is non-null.
            if (mine.UnlessEqual is { } nullGuard && nullGuard.StartsWith("null:", System.StringComparison.Ordinal)
                && NullnessWitness(nullGuard.Substring(5), mineState, otherState, joinedValues, joinedPaths) is { } carried)
            {
                result[mine.Key.Id] = mine.With(unlessEqual: "null:" + carried);
                return;
            }
            // Taken by a try-acquire that succeeded because a value was non-null, where the other path knows that
            // value is null: held exactly when the value is non-null.
            if (mine.SettledBy is { } settled)
            {
                string nullness = "null:" + settled;
                if (otherState.Assumptions.TryGetValue(nullness, out bool otherNull) && otherNull
                    && mineState.Assumptions.TryGetValue(nullness, out bool mineNull) && !mineNull)
                {
                    result[mine.Key.Id] = mine.With(unlessEqual: nullness);
                    return;
                }
                if (mineState.Assumptions.TryGetValue(nullness, out bool nonNull) && !nonNull
                    && NullnessWitness(settled, mineState, otherState, joinedValues, joinedPaths) is { } witness)
                {
                    result[mine.Key.Id] = mine.With(unlessEqual: "null:" + witness);
                    return;
                }
            }
            // Not held on the other path as itself: held there under an assumed equality?
            foreach (var kv in otherState.Assumptions)
            {
                if (!kv.Value || !otherState.Conditions.TryGetValue(kv.Key, out var pair))
                    continue;
                string? alias = pair.Item1 == mine.Key.Id ? pair.Item2 : pair.Item2 == mine.Key.Id ? pair.Item1 : null;
                if (alias is not null && otherState.Held.TryGetValue(alias, out var aliased) && !otherState.IsVacuous(aliased))
                {
                    result[mine.Key.Id] = mine.With(unlessEqual: kv.Key);
                    return;
                }
            }
            (mismatches ??= new List<Mismatch>()).Add(new Mismatch(mine, depthOrMode: false));
            result[mine.Key.Id] = mine.With(maybe: true);
        }

        [MethodImpl(JitOptions.Optimized)]
        private void ReportMismatch(Mismatch m, int atBlock)
        {
            if (OwnTryKeys.Contains(m.Held.Key.Id))
                return; // a try-acquire function's own body holds its lock on the success paths only
            var block = _cfg.Blocks[atBlock];
            Location location = Location.None;
            foreach (var op in block.Operations)
            {
                if (op.Syntax is { } s && !op.IsImplicit)
                {
                    location = s.GetLocation();
                    break;
                }
            }
            if (location == Location.None)
            {
                if (block.BranchValue?.Syntax is { } bs)
                    location = bs.GetLocation();
                else if (block.Kind == BasicBlockKind.Exit)
                    return; // exits are checked per path (PTL1005)
                else
                    location = m.Held.AcquiredAt;
            }
            string detail = m.DepthOrMode
                ? "with a different mode or nesting depth"
                : "on one incoming path only";
            Report(DiagnosticIds.HeldOnOneBranch, location, new object[] { m.Held.Key.Display, detail, Line(m.Held.AcquiredAt) },
                new[] { m.Held.AcquiredAt });
        }
    }
}
