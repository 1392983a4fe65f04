using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PtLock.Analyzers.Engine
{
    internal sealed partial class LockFlowAnalysis
    {
        /// <summary>
        /// The state on the edge where <paramref name="condition"/> evaluated to <paramref name="value"/>, or
        /// null when that edge cannot be taken. Learns from try-acquire results, null checks of fallible
        /// results, known booleans and comparisons of two locks.
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        private LockState? Refine(LockState s, IOperation condition, bool value)
        {
            switch (condition)
            {
                case IConversionOperation conversion:
                    return Refine(s, conversion.Operand, value);
                case IParenthesizedOperation parenthesized:
                    return Refine(s, parenthesized.Operand, value);
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                    return Refine(s, not.Operand, !value);
                case ILiteralOperation { ConstantValue: { HasValue: true, Value: bool b } }:
                    return b == value ? s : null;

                case IIsNullOperation isNull:
                    return RefineNullness(s, ValueOf(isNull.Operand, s), isNull: value);

                case IIsPatternOperation pattern:
                    return RefinePattern(s, ValueOf(pattern.Value, s), pattern.Pattern, value);

                case IBinaryOperation binary when binary.OperatorKind is BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals:
                {
                    bool equal = binary.OperatorKind == BinaryOperatorKind.Equals ? value : !value;
                    if (IsNullConstant(binary.RightOperand))
                        return RefineNullness(s, ValueOf(binary.LeftOperand, s), isNull: equal);
                    if (IsNullConstant(binary.LeftOperand))
                        return RefineNullness(s, ValueOf(binary.RightOperand, s), isNull: equal);
                    if (binary.OperatorMethod is null && IsLock(binary.LeftOperand) && IsLock(binary.RightOperand))
                        return RefineLockEquality(s, ValueOf(binary.LeftOperand, s), ValueOf(binary.RightOperand, s), equal);
                    if (IsBool(binary.LeftOperand) && binary.RightOperand.ConstantValue is { HasValue: true, Value: bool rb })
                        return Refine(s, binary.LeftOperand, equal ? rb : !rb);
                    return s;
                }

                case IInvocationOperation call when call.TargetMethod.Name == nameof(ReferenceEquals) && call.Arguments.Length == 2
                                                   && call.TargetMethod.ContainingType.SpecialType == SpecialType.System_Object:
                {
                    var left = call.Arguments[0].Value;
                    var right = call.Arguments[1].Value;
                    if (IsLock(left) && IsLock(right))
                        return RefineLockEquality(s, ValueOf(left, s), ValueOf(right, s), value);
                    return s;
                }

                default:
                {
                    string id = ValueOf(condition, s);
                    if (id == "const:true")
                        return value ? s : null;
                    if (id == "const:false")
                        return value ? null : s;
                    if (s.Pending.TryGetValue(id, out var pending) && pending.When != SuccessWhen.NonNull)
                        return Settle(s, id, pending, succeeded: (pending.When == SuccessWhen.True) == value);
                    return RefineRecheck(s, id, value);
                }
            }
        }

        [MethodImpl(JitOptions.Optimized)]
        private LockState? RefinePattern(LockState s, string id, IPatternOperation pattern, bool matched)
        {
            switch (pattern)
            {
                case IConstantPatternOperation constant when IsNullConstant(constant.Value):
                    return RefineNullness(s, id, isNull: matched);
                case INegatedPatternOperation negated:
                    return RefinePattern(s, id, negated.Pattern, !matched);
                case IDeclarationPatternOperation:
                case ITypePatternOperation:
                case IRecursivePatternOperation:
                    // Only a non-null value matches these; a failed match says nothing.
                    return matched ? RefineNullness(s, id, isNull: false) : s;
                default:
                    return s;
            }
        }

        [MethodImpl(JitOptions.Optimized)]
        private LockState? RefineNullness(LockState s, string id, bool isNull)
        {
            if (id == "const:null")
                return isNull ? s : null;
            string condition = "null:" + id;
            if (s.Unchecked.Contains(id))
                s = s.WithUnchecked(s.Unchecked.Remove(id));
            if (s.Assumptions.TryGetValue(condition, out bool knownNull))
                return knownNull == isNull ? s : null;
            if (s.Pending.TryGetValue(id, out var pending) && pending.When == SuccessWhen.NonNull)
                s = Settle(s, id, pending, succeeded: !isNull);
            if (!isNull && s.NonNullOrigins.TryGetValue(id, out var origin))
                s = Substitute(s, id, origin);
            // Locks held only if this value is non-null become certain, or vanish.
            var held = s.Held;
            foreach (var kv in s.Held)
            {
                if (kv.Value.UnlessEqual != condition)
                    continue;
                held = isNull ? held.Remove(kv.Key) : held.SetItem(kv.Key, kv.Value.With(clearUnless: true));
            }
            return s.WithHeld(held).WithAssumptions(s.Assumptions.SetItem(condition, isNull), s.Conditions);
        }

        /// <summary>A phi known non-null is the one non-null value that flowed into it: rename it back.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private static LockState Substitute(LockState s, string phi, string value)
        {
            var values = s.Values;
            foreach (var kv in s.Values)
                if (kv.Value == phi)
                    values = values.SetItem(kv.Key, value);
            var paths = s.Paths;
            foreach (var kv in s.Paths)
                if (kv.Value == phi)
                    paths = paths.SetItem(kv.Key, value);
            var captures = s.Captures;
            foreach (var kv in s.Captures)
                if (kv.Value == phi)
                    captures = captures.SetItem(kv.Key, value);
            return s.WithValues(values).WithPaths(paths).WithCaptures(captures).WithNonNullOrigins(s.NonNullOrigins.Remove(phi));
        }

        /// <summary>Resolve a try-acquire: acquire its locks on success, forget it either way.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private LockState Settle(LockState s, string id, PendingAcquire pending, bool succeeded)
        {
            s = s.WithPending(s.Pending.Remove(id));
            if (!succeeded)
                return s;
            foreach (var key in pending.Locks)
            {
                var existing = s.Find(key.Id);
                if (existing is not null)
                {
                    if (key.Capability.Reentrant)
                        s = s.WithHeld(s.Held.SetItem(existing.Key.Id, existing.With(depth: existing.Depth + 1)));
                    continue;
                }
                s = s.WithHeld(s.Held.SetItem(key.Id, new HeldLock(key, pending.Shared, 1, pending.At, maybe: false, unlessEqual: null, fromContract: false, acquiredBy: pending.AcquiredBy,
                    settledBy: pending.When == SuccessWhen.NonNull ? id : null)));
            }
            return s;
        }

        /// <summary>
        /// <c>if (ptl != pml)</c>: on each edge assume whether the two locks are the same. Whether split
        /// page-table locks are configured is unknown statically, so both edges stay feasible.
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        private static LockState? RefineLockEquality(LockState s, string a, string b, bool equal)
        {
            if (a == b)
                return equal ? s : null;
            string first = string.CompareOrdinal(a, b) < 0 ? a : b;
            string second = first == a ? b : a;
            string condition = "eq:" + first + "|" + second;
            if (s.Assumptions.TryGetValue(condition, out var known))
                return known == equal ? s : null;
            var held = s.Held;
            foreach (var kv in s.Held)
            {
                if (kv.Value.UnlessEqual != condition)
                    continue;
                held = equal ? held.Remove(kv.Key) : held.SetItem(kv.Key, kv.Value.With(clearUnless: true));
            }
            return s.WithHeld(held).WithAssumptions(s.Assumptions.SetItem(condition, equal), s.Conditions.SetItem(condition, (first, second)));
        }

        [MethodImpl(JitOptions.Optimized)]
        private bool IsLock(IOperation op)
        {
            var type = (op as IConversionOperation)?.Operand.Type ?? op.Type;
            return _model.GetCapability(type) is not null;
        }

        [MethodImpl(JitOptions.Optimized)]
        private static bool IsBool(IOperation op) => op.Type?.SpecialType == SpecialType.System_Boolean;

        [MethodImpl(JitOptions.Optimized)]
        private static bool IsNullConstant(IOperation op) =>
            op.ConstantValue.HasValue && op.ConstantValue.Value is null
            || op is IConversionOperation { Operand: var inner } && IsNullConstant(inner)
            || op is IDefaultValueOperation { Type.IsReferenceType: true };

        /// <summary>A path reaches the end of the method: what is still held must be there by contract.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private void CheckExit(LockState state, BasicBlock from, ControlFlowBranch branch)
        {
            // Most exits hold nothing and promise nothing: nothing to report, nothing to allocate.
            bool promises = _method is not null && _ownContract.TryAcquires.IsEmpty
                            && !(_ownContract.Acquires.IsEmpty && _ownContract.AcquiresShared.IsEmpty && _ownContract.Requires.IsEmpty && _ownContract.RequiresShared.IsEmpty);
            if (state.Held.IsEmpty && !promises)
                return;
            CheckExitHolding(state, from, branch);
        }

        [MethodImpl(JitOptions.Optimized)]
        private void CheckExitHolding(LockState state, BasicBlock from, ControlFlowBranch branch)
        {
            var exitLocation = ExitLocation(from, branch);
            string exitLine = Line(exitLocation);
            bool ownTry = !_ownContract.TryAcquires.IsEmpty;
            var expected = new System.Collections.Generic.HashSet<string>();
            string? returned = branch.Semantics == ControlFlowBranchSemantics.Return && from.BranchValue is { } rv ? ValueOf(rv, state) : null;
            if (_method is not null)
            {
                foreach (var e in _ownContract.Acquires.Concat(_ownContract.AcquiresShared).Concat(_ownContract.Requires).Concat(_ownContract.RequiresShared))
                    if (ResolveInOwnScope(e, state, returned) is { } k)
                        expected.Add(k.Id);
            }

            var reportedMaps = new System.Collections.Generic.HashSet<Location>();
            foreach (var h in state.Held.Values)
            {
                if (state.IsVacuous(h) || h.Maybe || expected.Contains(h.Key.Id) || h.AcquiredBy == "assert" || ownTry)
                    continue;
                if (h.Key.Id == "return" || state.Managed.ContainsKey(h.Key.Id))
                    continue;
                if (h.AcquiredBy is { } by && by.StartsWith(MapPrefix, System.StringComparison.Ordinal))
                {
                    // PTL0005: a mapped PTE table (its RCU section, and its ptl for the locking walker) leaks.
                    if (reportedMaps.Add(h.AcquiredAt))
                    {
                        // The locking walker also left its ptl held: the fix then unmaps and unlocks in one call.
                        var ptl = state.Held.Values.FirstOrDefault(o => o.AcquiredAt == h.AcquiredAt && !o.Key.Capability.Reentrant && !state.IsVacuous(o));
                        var properties = ImmutableDictionary<string, string?>.Empty.Add("Pte", MappedName(state, h));
                        if (ptl is not null)
                            properties = properties.Add("Ptl", ptl.Key.Display);
                        Report(DiagnosticIds.PteMapUnmapPairing, exitLocation,
                            new object[] { MappedName(state, h), Line(h.AcquiredAt), exitLine, by.Substring(MapPrefix.Length) },
                            new[] { h.AcquiredAt }, properties);
                    }
                    continue;
                }
                if (h.FromContract)
                {
                    Report(DiagnosticIds.HeldAtExit, exitLocation, new object[] { h.Key.Display, "is still held at the return on line " + exitLine + ", but the method is declared to release it" });
                    continue;
                }
                string when = h.UnlessEqual is null ? "" : " (when it is not the same lock as the one compared with it)";
                Report(DiagnosticIds.HeldAtExit, exitLocation,
                    new object[] { h.Key.Display, "acquired at line " + Line(h.AcquiredAt) + ", is still held at the return on line " + exitLine + when },
                    new[] { h.AcquiredAt },
                    ImmutableDictionary<string, string?>.Empty.Add("Lock", h.Key.Display).Add("AcquiredBy", h.AcquiredBy));
            }

            if (_method is null || ownTry)
                return;
            foreach (var (e, what) in _ownContract.Acquires.Select(e => (e, "acquire")).Concat(_ownContract.AcquiresShared.Select(e => (e, "acquire")))
                         .Concat(_ownContract.Requires.Select(e => (e, "keep"))).Concat(_ownContract.RequiresShared.Select(e => (e, "keep"))))
            {
                var key = ResolveInOwnScope(e, state, returned);
                if (key is null || state.Find(key.Id) is not null || state.Held.Values.Any(h => h.Maybe && h.Key.Id == key.Id))
                    continue;
                Report(DiagnosticIds.HeldAtExit, exitLocation, new object[] { key.Display, "is not held at the return on line " + exitLine + ", but the method is declared to " + what + " it" });
            }
        }

        /// <summary>
        /// A <c>return;</c> in a void method leaves no operation in the graph: the edge out of the block that
        /// tests the enclosing if goes straight to the exit. Find the return statement that edge stands for.
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        private static Microsoft.CodeAnalysis.CSharp.Syntax.ReturnStatementSyntax? ReturnInsideIf(BasicBlock from, ControlFlowBranch branch)
        {
            if (from.BranchValue?.Syntax is not { } condition)
                return null;
            // The graph folds "!" into the branch sense; undo that while walking up to the if's condition.
            bool negated = false;
            var node = condition;
            while (node.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.PrefixUnaryExpressionSyntax { RawKind: (int)Microsoft.CodeAnalysis.CSharp.SyntaxKind.LogicalNotExpression } or Microsoft.CodeAnalysis.CSharp.Syntax.ParenthesizedExpressionSyntax)
            {
                if (node.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.PrefixUnaryExpressionSyntax)
                    negated = !negated;
                node = node.Parent;
            }
            var ifStatement = node.Parent as Microsoft.CodeAnalysis.CSharp.Syntax.IfStatementSyntax;
            if (ifStatement is null || ifStatement.Condition != node)
                return null;
            bool conditionalEdge = ReferenceEquals(branch, from.ConditionalSuccessor);
            bool whenTrue = ((from.ConditionKind == ControlFlowConditionKind.WhenTrue) == conditionalEdge) != negated;
            var taken = whenTrue ? ifStatement.Statement : ifStatement.Else?.Statement;
            if (taken is null)
                return null;
            return taken as Microsoft.CodeAnalysis.CSharp.Syntax.ReturnStatementSyntax
                   ?? taken.DescendantNodes(n => n is not Microsoft.CodeAnalysis.CSharp.Syntax.AnonymousFunctionExpressionSyntax
                                                 and not Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax)
                       .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ReturnStatementSyntax>().FirstOrDefault();
        }

        /// <summary>The variable that holds the mapped pte (the value whose non-nullness took the lock), for messages.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private static string MappedName(LockState state, HeldLock h)
        {
            if (h.SettledBy is { } settled)
            {
                foreach (var kv in state.Values)
                    if (kv.Value == settled)
                        return kv.Key.Name;
                foreach (var kv in state.Paths)
                    if (kv.Value == settled)
                        return kv.Key.Substring(kv.Key.IndexOf(':') + 1);
            }
            return "the mapped PTE table";
        }

        [MethodImpl(JitOptions.Optimized)]
        private Location ExitLocation(BasicBlock from, ControlFlowBranch branch)
        {
            if (branch.Semantics == ControlFlowBranchSemantics.Return)
            {
                var syntax = from.BranchValue?.Syntax ?? from.Operations.LastOrDefault()?.Syntax;
                for (var node = syntax; node is not null; node = node.Parent)
                {
                    if (node is Microsoft.CodeAnalysis.CSharp.Syntax.ReturnStatementSyntax ret)
                        return ret.GetLocation();
                    if (node is Microsoft.CodeAnalysis.CSharp.Syntax.ArrowExpressionClauseSyntax arrow)
                        return arrow.Expression.GetLocation();
                }
                if (syntax is not null)
                    return syntax.GetLocation();
            }
            if (ReturnInsideIf(from, branch) is { } voidReturn)
                return voidReturn.GetLocation();
            var body = _cfg.OriginalOperation.Syntax;
            return body switch
            {
                Microsoft.CodeAnalysis.CSharp.Syntax.BlockSyntax block => block.CloseBraceToken.GetLocation(),
                Microsoft.CodeAnalysis.CSharp.Syntax.BaseMethodDeclarationSyntax { Body: { } b } => b.CloseBraceToken.GetLocation(),
                Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax { Body: { } lb } => lb.CloseBraceToken.GetLocation(),
                Microsoft.CodeAnalysis.CSharp.Syntax.AccessorDeclarationSyntax { Body: { } ab } => ab.CloseBraceToken.GetLocation(),
                Microsoft.CodeAnalysis.CSharp.Syntax.AnonymousFunctionExpressionSyntax { Block: { } fb } => fb.CloseBraceToken.GetLocation(),
                _ => from.Operations.LastOrDefault()?.Syntax.GetLocation() ?? body.GetLocation(),
            };
        }
    }
}
