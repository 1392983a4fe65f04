using System.Collections.Generic;
using System.Collections.Immutable;
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
        private (LockState State, List<Mismatch> Mismatches) Join(LockState a, LockState b, int at)
        {
            var mismatches = new List<Mismatch>();
            var held = ImmutableDictionary.CreateBuilder<string, HeldLock>();
            foreach (var kv in a.Held)
                MergeHeld(kv.Value, a, b, held, mismatches);
            foreach (var kv in b.Held)
                if (!held.ContainsKey(kv.Key))
                    MergeHeld(kv.Value, b, a, held, mismatches);

            var values = a.Values;
            foreach (var kv in b.Values)
            {
                if (!values.TryGetValue(kv.Key, out var mine))
                    values = values.SetItem(kv.Key, kv.Value);
                else if (mine != kv.Value)
                    values = values.SetItem(kv.Key, "phi:" + kv.Key.Name + "@" + at);
            }
            var captures = a.Captures;
            foreach (var kv in b.Captures)
            {
                if (!captures.TryGetValue(kv.Key, out var mine))
                    captures = captures.SetItem(kv.Key, kv.Value);
                else if (mine != kv.Value)
                    captures = captures.SetItem(kv.Key, "phi:c" + kv.Key + "@" + at);
            }
            var pending = a.Pending;
            foreach (var kv in b.Pending)
                if (!pending.ContainsKey(kv.Key))
                    pending = pending.SetItem(kv.Key, kv.Value);
            var managed = a.Managed;
            foreach (var kv in b.Managed)
                if (!managed.ContainsKey(kv.Key))
                    managed = managed.SetItem(kv.Key, kv.Value);
            var assumptions = ImmutableDictionary<string, bool>.Empty;
            foreach (var kv in a.Assumptions)
                if (b.Assumptions.TryGetValue(kv.Key, out var other) && other == kv.Value)
                    assumptions = assumptions.SetItem(kv.Key, kv.Value);
            var conditions = a.Conditions;
            foreach (var kv in b.Conditions)
                if (!conditions.ContainsKey(kv.Key))
                    conditions = conditions.SetItem(kv.Key, kv.Value);

            var state = new LockState(held.ToImmutable(), values, captures, pending, managed, assumptions, conditions);
            return (state, mismatches);
        }

        private static void MergeHeld(HeldLock mine, LockState mineState, LockState otherState, ImmutableDictionary<string, HeldLock>.Builder result, List<Mismatch> mismatches)
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
                    mismatches.Add(new Mismatch(mine, depthOrMode: true));
                bool maybe = mine.Maybe || theirs.Maybe || differs;
                string? guard = mine.UnlessEqual is not null && theirs.UnlessEqual == mine.UnlessEqual ? mine.UnlessEqual : null;
                result[mine.Key.Id] = mine.With(maybe: maybe, unlessEqual: guard, clearUnless: guard is null);
                return;
            }
            if (mine.Maybe)
            {
                result[mine.Key.Id] = mine;
                return;
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
            mismatches.Add(new Mismatch(mine, depthOrMode: false));
            result[mine.Key.Id] = mine.With(maybe: true);
        }

        private void ReportMismatch(Mismatch m, int atBlock)
        {
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
