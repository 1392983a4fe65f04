using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PtLock.Analyzers.Engine
{
    internal sealed partial class LockFlowAnalysis
    {
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
            if (!contract.AffectsLocks)
                return UpdateOutArguments(call, contract, s);

            string resultId = ResultId(call, s);
            if (s.Assumptions.ContainsKey("null:" + resultId))
                s = s.WithAssumptions(s.Assumptions.Remove("null:" + resultId), s.Conditions); // a new value from the same call site
            var fallback = IsMonitor(method) ? BuiltInLocks.MonitorCapability : null;
            var location = call.Syntax.GetLocation();

            if (Reporting)
            {
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

            var acquired = new List<LockKey>();
            foreach (var e in contract.Acquires)
                if (Resolve(e, call, s, resultId, fallback) is { } key)
                {
                    s = Acquire(key, shared: false, call, s);
                    acquired.Add(key);
                }
            foreach (var e in contract.AcquiresShared)
                if (Resolve(e, call, s, resultId, fallback) is { } key)
                {
                    s = Acquire(key, shared: true, call, s);
                    acquired.Add(key);
                }
            foreach (var e in contract.AssertHeld)
                if (Resolve(e, call, s, resultId, fallback) is { } key && s.Find(key.Id) is null)
                    s = s.WithHeld(s.Held.SetItem(key.Id, new HeldLock(key, shared: false, 1, location, maybe: false, unlessEqual: null, fromContract: true, acquiredBy: "assert")));

            foreach (var t in contract.TryAcquires)
            {
                var keys = t.Locks.Select(e => Resolve(e, call, s, resultId, fallback)).Where(k => k is not null).Select(k => k!).ToImmutableArray();
                if (!keys.IsEmpty)
                    s = s.WithPending(s.Pending.SetItem(resultId, new PendingAcquire(keys, t.When, t.Shared, location, method.Name)));
            }

            // Scopes: the value returned by Lock.EnterScope() or a [ScopedCapability] factory releases, when
            // disposed, the locks that creating it acquired.
            if (acquired.Count > 0 && (contract.BuiltIn == BuiltInBehavior.ReturnsScopeOfReceiver || _model.IsScopedCapability(method.ReturnType)))
                s = s.WithManaged(s.Managed.SetItem(resultId, acquired.ToImmutableArray()));
            return s;
        }

        private static bool IsMonitor(IMethodSymbol method) =>
            method.ContainingType?.Name == "Monitor" && method.ContainingType.ContainingNamespace?.ToDisplayString() == "System.Threading";

        /// <summary>out/ref arguments get new values; the lock statement's "taken" flag becomes true.</summary>
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
                    value = key.Id; // the out value is a named lock (pte_offset_map_lock's *ptlp)
                else
                    value = arg.Parameter.RefKind == RefKind.Out ? "o:" + arg.Syntax.SpanStart : Fresh(arg);
                s = Assign(arg.Value, value, s);
            }
            return s;
        }

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

        private LockState Acquire(LockKey key, bool shared, IInvocationOperation call, LockState s, Location? at = null, string? by = null)
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
                }
            }
            return s.WithHeld(s.Held.SetItem(key.Id, new HeldLock(key, shared, 1, location, maybe: false, unlessEqual: null, fromContract: false, acquiredBy: by ?? call.TargetMethod.Name)));
        }

        /// <summary>Whether <paramref name="acquiring"/> is declared to come before the held lock <paramref name="held"/>.</summary>
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
                if (Reporting && !key.IsUnknown && !s.Held.Values.Any(h => h.Maybe && h.Key.Id == key.Id))
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

        private static string Line(Location location) =>
            location.IsInSource ? (location.GetLineSpan().StartLinePosition.Line + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";

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
