using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PtLock.Analyzers.Engine
{
    internal sealed partial class LockFlowAnalysis
    {
        [MethodImpl(JitOptions.Optimized)]
        private LockState Call(IInvocationOperation call, LockState s)
        {
            var method = call.TargetMethod;
            var contract = _model.GetContract(method);
            if (method.Name == "Dispose" && method.Parameters.IsEmpty && call.Instance is { } disposed
                && s.Managed.ContainsKey(ValueOf(disposed, s)))
            {
                // Disposing a scope (Lock.Scope, a [ScopedCapability] guard) releases what creating it acquired.
                var scope = ValueOf(disposed, s);
                return Release(new LockKey(scope, DisplayOf(disposed), CapabilityInfo.Unknown, null), shared: false, call, s);
            }
            if (Reporting)
                CheckFallibleUses(call, s);
            s = ForgetCheckedUses(call, s);
            s = TrackPublishedTables(call, contract, s);
            s = TrackUnmapped(call, contract, s);
            s = TrackValidWhileHeld(call, contract, s);
            if (contract.RecheckLevel is not null)
                s = MarkRechecked(s, strong: contract.RecheckLevel is "pmd" or "pte", CallSiteId(call), contract.RecheckUnchangedWhen);
            // A walker that maps the table under the PMD lock reads the PMD under that lock (and fails unless it
            // points to a table): for that PMD lock it is a recheck (try_to_free_pte, collapse_pte_mapped_thp).
            if (contract.MapsPte)
                s = CreditPmdLockForMap(call, s);
            if (!contract.AffectsLocks)
            {
                // An entry write that names no lock (pmd_clear) is still checked against the lock held for its entry.
                if (Reporting && contract.EntryWrite is not null)
                    CheckEntryWrite(call, contract, s, ResultId(call, s), null);
                return TrackFallible(call, contract, UpdateOutArguments(call, contract, s), contract.Fallible ? ResultId(call, s) : "");
            }
            string resultId = ResultId(call, s);

            if (s.TryGetNullness(resultId, out _))
                s = s.WithAssumptions(s.Assumptions.Remove("null:" + resultId), s.Conditions); // a new value from the same call site
            if (HasUnmappedMarks(s))
                s = s.WithPaths(s.Paths.Remove(UnmappedMark + resultId));
            var fallback = IsMonitor(method) ? BuiltInLocks.MonitorCapability : null;
            var location = call.Syntax.GetLocation();

            if (Reporting)
            {
                if (contract.EntryWrite is not null)
                    CheckEntryWrite(call, contract, s, resultId, fallback);
                if (contract.RequiresStableLock is { } stable)
                    CheckStable(call, stable, s, resultId, fallback);
                foreach (var e in contract.Requires)
                    CheckRequired(e, call, s, resultId, exclusive: true, fallback);
                foreach (var e in contract.RequiresShared)
                    CheckRequired(e, call, s, resultId, exclusive: false, fallback);
                foreach (var e in contract.Excludes)
                {
                    var key = Resolve(e, call, s, resultId, fallback);
                    if (key is not null && !key.IsUnknown && s.Find(key.Id) is { Maybe: false } held)
                        Report(DiagnosticIds.ExcludedLockHeld, location, new object[] { method.Name, key.Display, Line(held.AcquiredAt) }, new[] { held.AcquiredAt });
                }
            }

            s = UpdateOutArguments(call, contract, s);

            foreach (var e in contract.Releases)
                s = Release(Resolve(e, call, s, resultId, fallback), shared: false, call, s);
            foreach (var e in contract.ReleasesShared)
                s = Release(Resolve(e, call, s, resultId, fallback), shared: true, call, s);

            List<LockKey>? acquired = null;
            foreach (var e in contract.Acquires)
                if (Resolve(e, call, s, resultId, fallback) is { } key)
                {
                    s = Acquire(key, shared: false, call, s, nested: contract.AcquiresNested);
                    (acquired ??= new List<LockKey>()).Add(key);
                }
            foreach (var e in contract.AcquiresShared)
                if (Resolve(e, call, s, resultId, fallback) is { } key)
                {
                    s = Acquire(key, shared: true, call, s);
                    (acquired ??= new List<LockKey>()).Add(key);
                }
            foreach (var e in contract.AssertHeld)
                if (Resolve(e, call, s, resultId, fallback) is { } key && s.Find(key.Id) is null)
                    s = s.WithHeld(s.Held.SetItem(key.Id, new HeldLock(key, shared: false, 1, location, maybe: false, unlessEqual: null, fromContract: true, acquiredBy: "assert")));

            foreach (var t in contract.TryAcquires)
            {
                var keys = ImmutableArray.CreateBuilder<LockKey>(t.Locks.Length);
                foreach (var e in t.Locks)
                    if (Resolve(e, call, s, resultId, fallback) is { } key)
                        keys.Add(key);
                if (keys.Count > 0)
                    s = s.WithPending(s.Pending.SetItem(resultId, new PendingAcquire(keys.Count == keys.Capacity ? keys.MoveToImmutable() : keys.ToImmutable(), t.When, t.Shared, location, (contract.MapsPte ? MapPrefix : "") + method.Name)));
            }

            // Scopes: the value returned by Lock.EnterScope() or a [ScopedCapability] factory releases, when
            // disposed, the locks that creating it acquired.
            if (acquired is { Count: > 0 } && (contract.BuiltIn == BuiltInBehavior.ReturnsScopeOfReceiver || _model.IsScopedCapability(method.ReturnType)))
                s = s.WithManaged(s.Managed.SetItem(resultId, acquired.ToImmutableArray()));
            return TrackFallible(call, contract, s, resultId);
        }

        /// <summary>A fallible result (pte_offset_map* and friends) must be tested for null before it is used.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private static LockState TrackFallible(IInvocationOperation call, MethodContract contract, LockState s, string resultId)
        {
            bool fallible = contract.Fallible || contract.TryAcquires.Any(t => t.When == SuccessWhen.NonNull);
            return fallible && !call.TargetMethod.ReturnsVoid ? s.WithUnchecked(s.Unchecked.Add(resultId)) : s;
        }

        [MethodImpl(JitOptions.Optimized)]
        private void CheckFallibleUses(IInvocationOperation call, LockState s)
        {
            if (s.Unchecked.IsEmpty)
                return;
            foreach (var arg in call.Arguments)
            {
                if (arg.Parameter?.RefKind is RefKind.Out || arg.ArgumentKind == ArgumentKind.DefaultValue)
                    continue;
                if (s.Unchecked.Contains(ValueOf(arg.Value, s)))
                    ReportUnchecked(arg.Value, call.TargetMethod.Name);
            }
            if (call.Instance is { } receiver && s.Unchecked.Contains(ValueOf(receiver, s)))
                ReportUnchecked(receiver, call.TargetMethod.Name);
        }

        [MethodImpl(JitOptions.Optimized)]
        private void ReportUnchecked(IOperation use, string usedBy) =>
            Report(DiagnosticIds.PteMapMayFail, use.Syntax.GetLocation(), new object[] { DisplayOf(use), usedBy },
                properties: ImmutableDictionary<string, string?>.Empty.Add("Value", DisplayOf(use)));

        /// <summary>Once reported (or passed on), a value is not reported again at every later use.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private LockState ForgetCheckedUses(IInvocationOperation call, LockState s)
        {
            if (s.Unchecked.IsEmpty)
                return s;
            var used = new List<string>();
            foreach (var arg in call.Arguments)
                if (arg.Parameter?.RefKind is not RefKind.Out)
                    used.Add(ValueOf(arg.Value, s));
            if (call.Instance is { } receiver)
                used.Add(ValueOf(receiver, s));
            foreach (var id in used)
                s = AssumeSucceeded(s, id);
            return s;
        }

        /// <summary>
        /// A fallible result used without a test is treated, after reporting that, as if the call succeeded,
        /// so the mistake is reported once rather than again at every release that follows.
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        private LockState AssumeSucceeded(LockState s, string id)
        {
            if (!s.Unchecked.Contains(id))
                return s;
            s = s.WithUnchecked(s.Unchecked.Remove(id));
            if (s.Pending.TryGetValue(id, out var pending) && pending.When == SuccessWhen.NonNull)
                s = Settle(s, id, pending, succeeded: true);
            return s.WithAssumptions(s.Assumptions.SetItem("null:" + id, false), s.Conditions);
        }

        /// <summary>
        /// A recheck (pte_same, pte_none on a fresh read, vmf_pte_changed) covers the spinlocks held now. One whose
        /// result has a meaning (<c>UnchangedWhen</c>) remembers, under one key per call, the result that means
        /// "passed" and what each lock it credited had before ("T|0lockA|1lockB"), so that the branch where it
        /// failed can take the credit back (<see cref="RefineRecheck"/>).
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        private static LockState MarkRechecked(LockState s, bool strong, string resultId, bool? unchangedWhen)
        {
            var held = s.Held;
            var before = unchangedWhen is bool passes ? new System.Text.StringBuilder(passes ? "T" : "F") : null;
            foreach (var kv in s.Held)
            {
                if (kv.Value.Key.Capability.Sleeps || kv.Value.Key.Capability.Reentrant || kv.Value.Rechecked && (!strong || kv.Value.StrongRecheck))
                    continue;
                held = held.SetItem(kv.Key, kv.Value.With(rechecked: true, strongRecheck: strong || kv.Value.StrongRecheck));
                before?.Append('|').Append(kv.Value.Rechecked ? '1' : '0').Append(kv.Key);
            }
            s = s.WithHeld(held);
            return before is { Length: > 1 } ? s.WithPaths(s.Paths.SetItem(RecheckMark + resultId, before.ToString())) : s;
        }

        /// <summary>Member-path key prefix under which a recheck remembers the credit it gave, until its result is tested.</summary>
        private const string RecheckMark = "recheck:";

        /// <summary>On the edge where the recheck <paramref name="id"/> evaluated to <paramref name="value"/>: keep or take back its credit.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private static LockState RefineRecheck(LockState s, string id, bool value)
        {
            string key = RecheckMark + id;
            if (!s.Paths.TryGetValue(key, out var mark))
                return s;
            s = s.WithPaths(s.Paths.Remove(key));
            if ((mark[0] == 'T') == value)
                return s;
            var held = s.Held;
            foreach (var entry in mark.Substring(2).Split('|'))
            {
                string lockId = entry.Substring(1);
                if (held.TryGetValue(lockId, out var h))
                    held = held.SetItem(lockId, h.With(rechecked: entry[0] == '1', strongRecheck: false));
            }
            return s.WithHeld(held);
        }

        /// <summary>Member-path key under which a pte value that was unmapped is remembered.</summary>
        private const string UnmappedMark = "unmapped:";

        /// <summary>
        /// PTL0010: after pte_unmap(pte) the pointer is dead, and so is a ptl a *_nolock walker delivered for that
        /// table (the table may be freed once the RCU section ends).
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        private LockState TrackUnmapped(IInvocationOperation call, MethodContract contract, LockState s)
        {
            if (Reporting && HasUnmappedMarks(s))
            {
                bool acquires = !contract.Acquires.IsEmpty || !contract.AcquiresShared.IsEmpty || !contract.TryAcquires.IsEmpty;
                foreach (var arg in call.Arguments)
                {
                    if (arg.Parameter?.RefKind is RefKind.Out || arg.Parameter?.Name == contract.UnmapsPte)
                        continue; // unmapping twice is PTL1004's (the RCU section is not held)
                    string value = ValueOf(arg.Value, s);
                    if (s.Paths.ContainsKey(UnmappedMark + value))
                        Report(DiagnosticIds.UseAfterUnmap, arg.Syntax.GetLocation(), new object[] { DisplayOf(arg.Value), "a pte pointer that was unmapped", call.TargetMethod.Name });
                    // Taking the lock of an unmapped table: only its PMD lock, if held, keeps the table alive (MAP-04).
                    else if (acquires && IsLockOfUnmapped(value, s) && s.Find(value) is null
                             && !s.Held.Keys.Any(k => k.StartsWith("PmdLockptr(", System.StringComparison.Ordinal)))
                        Report(DiagnosticIds.UseAfterUnmap, arg.Syntax.GetLocation(), new object[] { DisplayOf(arg.Value), "the lock of a table that was unmapped", call.TargetMethod.Name });
                }
            }
            if (contract.UnmapsPte is { } name && ArgumentNamed(call, name) is { } unmappedArg)
                s = s.WithPaths(s.Paths.SetItem(UnmappedMark + ValueOf(unmappedArg.Value, s), "1"));
            return s;
        }

        /// <summary>Whether any pte was unmapped on this path: most paths have none, and then no mark key is built.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private static bool HasUnmappedMarks(LockState s) => HasMark(s, UnmappedMark);

        /// <summary>Whether the path carries any member-path mark with this prefix (unmapped:, covered:).</summary>
        [MethodImpl(JitOptions.Optimized)]
        private static bool HasMark(LockState s, string prefix)
        {
            var keys = s.Paths.Keys;
            for (int i = 0; i < keys.Count; i++)
                if (keys[i].StartsWith(prefix, System.StringComparison.Ordinal))
                    return true;
            return false;
        }

        [MethodImpl(JitOptions.Optimized)]
        private static bool IsLockOfUnmapped(string value, LockState s)
        {
            if (value.IndexOf('(') < 0)
                return false;
            foreach (var key in s.Paths.Keys)
                if (key.StartsWith(UnmappedMark, System.StringComparison.Ordinal) && IsLockThrough(value, key.Substring(UnmappedMark.Length)))
                    return true;
            return false;
        }

        /// <summary>Whether a lock value was computed from <paramref name="pointer"/> (PtepLockptr(mm, pte) names pte).</summary>
        [MethodImpl(JitOptions.Optimized)]
        private static bool IsLockThrough(string lockValue, string pointer) =>
            lockValue.Contains("," + pointer + ")") || lockValue.Contains("(" + pointer + ")")
            || lockValue.Contains("," + pointer + ",") || lockValue.Contains("(" + pointer + ",");

        /// <summary>Member-path key under which a [ValidWhileHeld] result remembers the locks that keep it valid.</summary>
        private const string CoveredMark = "covered:";

        /// <summary>
        /// PTL0008: a [ValidWhileHeld] result (huge_pte_alloc, hugetlb_walk) needs one of its locks held at the call
        /// and at every later use of the pointer or of a lock taken through it. The record is "id\u001fdisplay" pairs.
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        private LockState TrackValidWhileHeld(IInvocationOperation call, MethodContract contract, LockState s)
        {
            if (Reporting && HasMark(s, CoveredMark))
                s = CheckCoveredUses(call, s);
            return contract.ValidWhileHeld.IsEmpty || call.TargetMethod.ReturnsVoid ? s : CoverValidWhileHeld(call, contract, s);
        }

        /// <summary>PTL0008 at a use of a [ValidWhileHeld] pointer, or of a lock taken through it: one of its locks still held.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private LockState CheckCoveredUses(IInvocationOperation call, LockState s)
        {
            foreach (var arg in call.Arguments)
            {
                if (arg.Parameter?.RefKind is RefKind.Out || arg.ArgumentKind == ArgumentKind.DefaultValue)
                    continue;
                string value = ValueOf(arg.Value, s);
                foreach (var kv in s.Paths)
                {
                    if (!kv.Key.StartsWith(CoveredMark, System.StringComparison.Ordinal))
                        continue;
                    string pointer = kv.Key.Substring(CoveredMark.Length);
                    if (value != pointer && !IsLockThrough(value, pointer))
                        continue;
                    var covering = kv.Value.Split('\u001e').Select(p => p.Split('\u001f')).ToArray();
                    if (covering.Any(c => s.Find(c[0]) is not null))
                        continue;
                    string used = value == pointer ? "is used by '" + call.TargetMethod.Name + "'" : "is locked or unlocked through '" + call.TargetMethod.Name + "'";
                    Report(DiagnosticIds.HugetlbWindowUnlocked, arg.Syntax.GetLocation(),
                        new object[] { DisplayOf(arg.Value), used + " after the lock was released", Either(covering.Select(c => c[1])) },
                        properties: ImmutableDictionary<string, string?>.Empty.Add("Kind", "use"));
                    s = s.WithPaths(s.Paths.Remove(kv.Key)); // once per pointer
                    break;
                }
            }
            return s;
        }

        /// <summary>PTL0008 at a [ValidWhileHeld] call: one of its locks held now, and remembered for the result's later uses.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private LockState CoverValidWhileHeld(IInvocationOperation call, MethodContract contract, LockState s)
        {
            string resultId = ResultId(call, s);
            var keys = contract.ValidWhileHeld.Select(e => Resolve(e, call, s, resultId)).Where(k => k is not null && !k.IsUnknown).Select(k => k!).ToList();
            if (keys.Count == 0)
                return s;
            if (!keys.Any(k => s.Find(k.Id) is not null))
            {
                if (Reporting)
                    Report(DiagnosticIds.HugetlbWindowUnlocked, call.Syntax.GetLocation(),
                        new object[] { call.TargetMethod.Name, "is called", Either(keys.Select(k => k.Display)) },
                        properties: ImmutableDictionary<string, string?>.Empty.Add("Kind", "call").Add("Lock", keys[0].Display));
                return s;
            }
            string record = string.Join("\u001e", keys.Select(k => k.Id + "\u001f" + k.Display));
            return s.WithPaths(s.Paths.SetItem(CoveredMark + resultId, record));
        }

        [MethodImpl(JitOptions.Optimized)]
        private static string Either(IEnumerable<string> locks) => "'" + string.Join("' or '", locks) + "'";

        /// <summary>Member-path key under which a table value that a PMD points (or pointed) to is remembered.</summary>
        private const string PublishedMark = "pub:";

        /// <summary>PTL0007: a table that was installed in a PMD is freed only through RCU (pte_free_defer, tlb_remove_table).</summary>
        [MethodImpl(JitOptions.Optimized)]
        private LockState TrackPublishedTables(IInvocationOperation call, MethodContract contract, LockState s)
        {
            if (contract.FreesTableNow is { } freed && Reporting
                && ArgumentNamed(call, freed) is { } table
                && s.Paths.ContainsKey(PublishedMark + ValueOf(table.Value, s)))
                Report(DiagnosticIds.PublishedTableFreedNow, call.Syntax.GetLocation(), new object[] { call.TargetMethod.Name, DisplayOf(table.Value) },
                    properties: ImmutableDictionary<string, string?>.Empty.Add("Table", DisplayOf(table.Value)));
            foreach (var arg in call.Arguments)
                if (arg.Parameter is { } p && contract.PublishesParameters.Contains(p.Name))
                    s = s.WithPaths(s.Paths.SetItem(PublishedMark + ValueOf(arg.Value, s), "1"));
            if (contract.ReturnsPublishedTable)
                s = s.WithPaths(s.Paths.SetItem(PublishedMark + ResultId(call, s), "1"));
            return s;
        }

        /// <summary>Member-path key under which a lock value delivered by pte_offset_map_rw_nolock is remembered.</summary>
        private const string RevalidationMark = "reval:";

        /// <summary>PTL0002: pte_lockptr(mm, pmd) dereferences the PMD: its lock held and the PMD rechecked since.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private void CheckStable(IInvocationOperation call, LockExpr lockExpr, LockState s, string resultId, CapabilityInfo? fallback)
        {
            var key = Resolve(lockExpr, call, s, resultId, fallback);
            if (key is null || key.IsUnknown)
                return;
            var held = s.Find(key.Id);
            if (held is { Maybe: true } || held is { FromContract: true } || held is { Rechecked: true })
                return;
            string why = held is null
                ? "'" + key.Display + "' is not held, so the entry can change at any time"
                : "the entry was not rechecked since '" + held.Key.Display + "' was taken at line " + Line(held.AcquiredAt);
            Report(DiagnosticIds.PteLockptrUnstablePmd, call.Syntax.GetLocation(), new object[] { call.TargetMethod.Name, why },
                held is null ? null : new[] { held.AcquiredAt }, ImmutableDictionary<string, string?>.Empty.Add("Lock", key.Display));
        }

        /// <summary>PTL0003: an entry write under its lock needs a recheck of the entry since the lock was taken.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private void CheckEntryWrite(IInvocationOperation call, MethodContract contract, LockState s, string resultId, CapabilityInfo? fallback)
        {
            if (contract.EntryWrite is not ("pte" or "pmd"))
                return;
            bool pmdWrite = contract.EntryWrite == "pmd";
            var guards = new List<HeldLock>();
            foreach (var e in contract.Requires)
            {
                var key = Resolve(e, call, s, resultId, fallback);
                if (key is not null && s.Find(key.Id) is { Maybe: false } found && !found.FromContract)
                    guards.Add(found);
            }
            // A PMD write that names no lock (pmd_clear takes no mm): the PMD lock held for that entry guards it.
            if (contract.Requires.IsEmpty && pmdWrite && PmdLocksOf(call, contract.EntryWrite, s) is { Count: > 0 } pmdLocks)
                guards.AddRange(pmdLocks.Where(h => !h.FromContract));
            foreach (var held in guards)
            {
                if (pmdWrite)
                {
                    // PTL0001: a check made before taking the PMD lock says nothing about the PMD now.
                    if (!held.Rechecked)
                        Report(DiagnosticIds.PmdRecheckAfterLock, call.Syntax.GetLocation(), new object[] { call.TargetMethod.Name, held.Key.Display, Line(held.AcquiredAt) },
                            new[] { held.AcquiredAt }, ImmutableDictionary<string, string?>.Empty.Add("Lock", held.Key.Display));
                    continue;
                }
                if (held.NeedsStrongRecheck && !held.StrongRecheck)
                {
                    Report(DiagnosticIds.RwNolockRecheck, call.Syntax.GetLocation(), new object[] { call.TargetMethod.Name, held.Key.Display, Line(held.AcquiredAt) },
                        new[] { held.AcquiredAt }, ImmutableDictionary<string, string?>.Empty.Add("Lock", held.Key.Display));
                    continue;
                }
                if (held.Rechecked)
                    continue;
                Report(DiagnosticIds.PteRecheckUnderPtl, call.Syntax.GetLocation(), new object[] { call.TargetMethod.Name, held.Key.Display, Line(held.AcquiredAt) },
                    new[] { held.AcquiredAt }, ImmutableDictionary<string, string?>.Empty.Add("Lock", held.Key.Display));
            }
        }

        [MethodImpl(JitOptions.Optimized)]
        private LockState CreditPmdLockForMap(IInvocationOperation call, LockState s)
        {
            var held = s.Held;
            foreach (var pml in PmdLocksOf(call, "pmd", s))
                held = held.SetItem(pml.Key.Id, pml.With(rechecked: true, strongRecheck: true));
            return s.WithHeld(held);
        }

        private static readonly IReadOnlyList<HeldLock> s_noLocks = System.Array.Empty<HeldLock>();

        /// <summary>The argument passed for the parameter named <paramref name="parameter"/>, if any.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private static IArgumentOperation? ArgumentNamed(IInvocationOperation call, string parameter)
        {
            foreach (var argument in call.Arguments)
                if (argument.Parameter?.Name == parameter)
                    return argument;
            return null;
        }

        /// <summary>The held PMD locks (PmdLockptr(…, pmd)) of the entry the named argument points to.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private IReadOnlyList<HeldLock> PmdLocksOf(IInvocationOperation call, string parameter, LockState s)
        {
            List<HeldLock>? found = null;
            if (s.Held.IsEmpty || ArgumentNamed(call, parameter) is not { } arg)
                return s_noLocks;
            string pmd = ValueOf(arg.Value, s);
            foreach (var held in s.Held.Values)
                if (!held.Maybe && !s.IsVacuous(held) && held.Key.Id.StartsWith("PmdLockptr(", System.StringComparison.Ordinal) && IsLockThrough(held.Key.Id, pmd))
                    (found ??= new List<HeldLock>()).Add(held);
            return found ?? s_noLocks;
        }

        /// <summary>Marks locks taken by a [MapsPte] walker (its RCU section and, for the locking variant, its ptl).</summary>
        private const string MapPrefix = "map:";

        [MethodImpl(JitOptions.Optimized)]
        private static bool IsMonitor(IMethodSymbol method) =>
            method.ContainingType?.Name == "Monitor" && SymbolNames.NamespaceIs(method.ContainingType.ContainingNamespace, "System.Threading");

        /// <summary>out/ref arguments get new values; the lock statement's "taken" flag becomes true.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private LockState UpdateOutArguments(IInvocationOperation call, MethodContract contract, LockState s)
        {
            string? resultId = null;
            foreach (var arg in call.Arguments)
            {
                if (arg.Parameter?.RefKind is not (RefKind.Out or RefKind.Ref))
                    continue;
                string value;
                if (contract.BuiltIn == BuiltInBehavior.AcquireSetsTakenTrue && arg.Parameter.Type.SpecialType == SpecialType.System_Boolean)
                    value = "const:true";
                else if (contract.OutCapabilities.TryGetValue(arg.Parameter.Name, out var delivered)
                         && Resolve(delivered, call, s, resultId ??= ResultId(call, s)) is { } key)
                {
                    value = key.Id; // the out value is a named lock (pte_offset_map_lock's *ptlp)
                    if (contract.MapsPteNeedsRevalidation)
                        s = s.WithPaths(s.Paths.SetItem(RevalidationMark + value, "1"));
                }
                else
                    value = arg.Parameter.RefKind == RefKind.Out ? "o:" + arg.Syntax.SpanStart : Fresh(arg);
                s = Assign(arg.Value, value, s);
            }
            return s;
        }

        [MethodImpl(JitOptions.Optimized)]
        private void CheckRequired(LockExpr e, IInvocationOperation call, LockState s, string resultId, bool exclusive, CapabilityInfo? fallback)
        {
            var key = Resolve(e, call, s, resultId, fallback);
            if (key is null || key.IsUnknown)
                return;
            var held = s.Find(key.Id);
            if (held is not null && (held.Maybe || !exclusive || !held.Shared))
                return;
            string how = held is null ? (exclusive ? " exclusively" : "") : " exclusively, but it is held shared";
            Report(DiagnosticIds.RequiresLockNotHeld, call.Syntax.GetLocation(), new object[] { call.TargetMethod.Name, key.Display, how },
                properties: ImmutableDictionary<string, string?>.Empty.Add("Lock", key.Display).Add("Shared", exclusive ? "false" : "true"));
        }

        [MethodImpl(JitOptions.Optimized)]
        private LockState Acquire(LockKey key, bool shared, IInvocationOperation call, LockState s, Location? at = null, string? by = null, bool nested = false)
        {
            var location = at ?? call.Syntax.GetLocation();
            var existing = s.Find(key.Id);
            if (existing is not null && !existing.Maybe)
            {
                if (key.Capability.Reentrant)
                    return s.WithHeld(s.Held.SetItem(existing.Key.Id, existing.With(depth: existing.Depth + 1)));
                if (Reporting && !key.IsUnknown)
                    Report(DiagnosticIds.AcquiredTwice, location, new object[] { key.Display, Line(existing.AcquiredAt) }, new[] { existing.AcquiredAt });
                return s;
            }
            if (existing is { Maybe: true })
                return s;
            if (Reporting)
            {
                foreach (var h in s.Held.Values)
                {
                    if (s.IsVacuous(h) || h.Maybe)
                        continue;
                    if (key.Capability.Sleeps && !h.Key.Capability.Sleeps)
                    {
                        string where = h.Key.Capability.Kind == "rcu" ? "inside the RCU read section '" + h.Key.Display + "'" : "while holding spinlock '" + h.Key.Display + "'";
                        Report(DiagnosticIds.SleepingUnderSpin, location, new object[] { key.Display, key.Capability.Kind, where, Line(h.AcquiredAt) }, new[] { h.AcquiredAt });
                        break;
                    }
                    if (MustComeBefore(key, h, s))
                        Report(DiagnosticIds.LockOrder, location, new object[] { key.Display, h.Key.Display, Line(h.AcquiredAt) }, new[] { h.AcquiredAt });
                    CheckNestedTableLock(key, h, s, location, nested);
                }
            }
            bool needsStrong = s.Paths.ContainsKey(RevalidationMark + key.Id);
            return s.WithHeld(s.Held.SetItem(key.Id, new HeldLock(key, shared, 1, location, maybe: false, unlessEqual: null, fromContract: false,
                acquiredBy: by ?? call.TargetMethod.Name, needsStrongRecheck: needsStrong)));
        }

        /// <summary>
        /// PTL0011: a page-table lock named by a capability-returning call (PteLockptr(mm, pmd)) taken while another
        /// lock of the same spinning class is held may be that very lock (ptl == pml without split locks): only
        /// after comparing the two, and then as a declared nested acquisition.
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        private void CheckNestedTableLock(LockKey acquiring, HeldLock held, LockState s, Location location, bool nested)
        {
            var a = acquiring.Capability;
            var h = held.Key.Capability;
            if (a.Sleeps || a.Reentrant || h.Sleeps || h.Reentrant || a.Kind != h.Kind || acquiring.Id == held.Key.Id)
                return;
            if (acquiring.Id.IndexOf('(') < 0 && held.Key.Id.IndexOf('(') < 0)
                return; // two distinct fields cannot be one lock; table locks are computed from table pointers
            string first = string.CompareOrdinal(acquiring.Id, held.Key.Id) < 0 ? acquiring.Id : held.Key.Id;
            string second = first == acquiring.Id ? held.Key.Id : acquiring.Id;
            bool distinct = s.Assumptions.TryGetValue("eq:" + first + "|" + second, out bool equal) && !equal;
            if (!distinct)
                Report(DiagnosticIds.NestedPtlWithoutGuard, location,
                    new object[] { acquiring.Display, held.Key.Display, "they may be the same lock (without split page-table locks ptl == pml); compare them first: if (" + acquiring.Display + " != " + held.Key.Display + ")" },
                    new[] { held.AcquiredAt },
                    ImmutableDictionary<string, string?>.Empty.Add("Lock", acquiring.Display).Add("Held", held.Key.Display).Add("Kind", "guard"));
            else if (!nested)
                Report(DiagnosticIds.NestedPtlWithoutGuard, location,
                    new object[] { acquiring.Display, held.Key.Display, "both are the same lock class: take the inner one with spin_lock_nested(…, SINGLE_DEPTH_NESTING)" },
                    new[] { held.AcquiredAt },
                    ImmutableDictionary<string, string?>.Empty.Add("Lock", acquiring.Display).Add("Held", held.Key.Display).Add("Kind", "nested"));
        }

        /// <summary>Whether <paramref name="acquiring"/> is declared to come before the held lock <paramref name="held"/>.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private bool MustComeBefore(LockKey acquiring, HeldLock held, LockState s)
        {
            int a = acquiring.Capability.Rank, h = held.Key.Capability.Rank;
            if (a > 0 && h > 0 && a < h)
                return true;
            if (acquiring.Symbol is { } sym)
            {
                foreach (var e in _model.GetAcquiredBefore(sym))
                    if (SameMember(e, held.Key, acquiring))
                        return true;
            }
            if (held.Key.Symbol is { } heldSym)
            {
                foreach (var e in _model.GetAcquiredAfter(heldSym))
                    if (SameMember(e, acquiring, held.Key))
                        return true;
            }
            return false;
        }

        /// <summary>Whether the order expression <paramref name="e"/>, written on <paramref name="owner"/>'s member, names <paramref name="candidate"/>.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private static bool SameMember(LockExpr e, LockKey candidate, LockKey owner)
        {
            if (e is not PathExpr path || candidate.Symbol is null)
                return false;
            string name = path.Members.IsEmpty ? path.Root : path.Members[path.Members.Length - 1];
            if (candidate.Symbol.Name != name)
                return false;
            // Same instance: the two ids share everything but their last member.
            int ownerDot = owner.Id.LastIndexOf('.');
            int candidateDot = candidate.Id.LastIndexOf('.');
            return ownerDot >= 0 && candidateDot >= 0 && owner.Id.Substring(0, ownerDot) == candidate.Id.Substring(0, candidateDot);
        }

        [MethodImpl(JitOptions.Optimized)]
        private LockState Release(LockKey? key, bool shared, IInvocationOperation call, LockState s)
        {
            if (key is null)
                return s;
            if (s.Managed.TryGetValue(key.Id, out var managed))
            {
                s = s.WithManaged(s.Managed.Remove(key.Id));
                foreach (var m in managed)
                    s = Release(m, shared, call, s);
                return s;
            }
            var held = s.Find(key.Id);
            if (held is null)
            {
                if (Reporting && !key.IsUnknown && !IsMaybeHeld(s, key.Id))
                    Report(DiagnosticIds.ReleasedNotHeld, call.Syntax.GetLocation(), new object[] { key.Display, "it is not held here" },
                        properties: ImmutableDictionary<string, string?>.Empty.Add("Lock", key.Display));
                return s.WithHeld(s.Held.Remove(key.Id));
            }
            if (Reporting && !held.Maybe && held.Shared != shared && !held.FromContract)
                Report(DiagnosticIds.ReleasedNotHeld, call.Syntax.GetLocation(), new object[] { key.Display, held.Shared ? "it is held shared but released as exclusive" : "it is held exclusively but released as shared" });
            if (held.Depth > 1)
                return s.WithHeld(s.Held.SetItem(held.Key.Id, held.With(depth: held.Depth - 1)));
            var remaining = s.Held.Remove(held.Key.Id);
            // Releasing "ptl, unless it is pml": if the two are the same lock, this released pml.
            if (held.UnlessEqual is { } c && s.Conditions.TryGetValue(c, out var pair))
            {
                string other = pair.Item1 == held.Key.Id ? pair.Item2 : pair.Item1;
                if (remaining.TryGetValue(other, out var otherHeld) && otherHeld.UnlessEqual is null)
                    remaining = remaining.SetItem(other, otherHeld.With(unlessEqual: c));
            }
            return s.WithHeld(remaining);
        }

        /// <summary>Whether <paramref name="id"/> is held on some paths only (a PTL1006 join already reported it).</summary>
        [MethodImpl(JitOptions.Optimized)]
        private static bool IsMaybeHeld(LockState s, string id)
        {
            foreach (var h in s.Held.Values)
                if (h.Maybe && h.Key.Id == id)
                    return true;
            return false;
        }

        [MethodImpl(JitOptions.Optimized)]
        private static string Line(Location location) =>
            location.IsInSource ? (location.GetLineSpan().StartLinePosition.Line + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";

        [MethodImpl(JitOptions.Optimized)]
        private void Report(string ruleId, Location location, object[] args, IEnumerable<Location>? additional = null, ImmutableDictionary<string, string?>? properties = null)
        {
            if (_findings is null || _reported is null)
                return;
            string dedupe = ruleId + "|" + location.SourceSpan + "|" + string.Join("|", args);
            if (_reported.Add(dedupe))
                _findings.Add(new Finding(ruleId, location, args, additional?.Where(l => l.IsInSource), properties));
        }
    }
}
