using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PtLock.Analyzers.Engine
{
    internal sealed partial class LockFlowAnalysis
    {
        /// <summary>Evaluate <paramref name="op"/> (children first, as C# does) and apply its lock effects.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private LockState Transfer(IOperation op, LockState s)
        {
            // Dispatch on Kind: a switch over interface types tests each case in turn, and most operations (locals,
            // literals, conversions) fall through all of them, at every operation of every analysed body.
            switch (op.Kind)
            {
                case OperationKind.Invocation:
                {
                    var call = (IInvocationOperation)op;
                    if (call.Instance is { } receiver)
                        s = TransferReceiver(receiver, s, write: false);
                    foreach (var arg in call.Arguments)
                        s = arg.Parameter?.RefKind is RefKind.Out ? s : Transfer(arg.Value, s);
                    return Call(call, s);
                }

                case OperationKind.SimpleAssignment:
                {
                    var assignment = (ISimpleAssignmentOperation)op;
                    s = Transfer(assignment.Value, s);
                    s = Access(assignment.Target, s, write: true);
                    return Assign(assignment.Target, ValueOf(assignment.Value, s), s);
                }

                case OperationKind.CompoundAssignment:
                {
                    var compound = (ICompoundAssignmentOperation)op;
                    s = Transfer(compound.Value, s);
                    s = Access(compound.Target, s, write: true);
                    // pte += n stays in the same table: same lock, same mapping.
                    return _model.SameTable(compound.OperatorMethod) ? s : Assign(compound.Target, Fresh(compound), s);
                }

                case OperationKind.Increment:
                case OperationKind.Decrement:
                {
                    var increment = (IIncrementOrDecrementOperation)op;
                    s = Access(increment.Target, s, write: true);
                    return _model.SameTable(increment.OperatorMethod) ? s : Assign(increment.Target, Fresh(increment), s);
                }

                case OperationKind.FlowCapture:
                {
                    var capture = (IFlowCaptureOperation)op;
                    s = Transfer(capture.Value, s);
                    return s.WithCaptures(s.Captures.SetItem(capture.Id, ValueOf(capture.Value, s)));
                }

                case OperationKind.FieldReference:
                case OperationKind.PropertyReference:
                case OperationKind.ArrayElementReference:
                    return Access(op, s, write: false);

                case OperationKind.Argument:
                    return Transfer(((IArgumentOperation)op).Value, s);

                case OperationKind.AnonymousFunction:
                case OperationKind.FlowAnonymousFunction:
                case OperationKind.LocalFunction:
                    return s; // analysed on their own, with their own contracts

                default:
                    foreach (var child in op.ChildOperations)
                        s = Transfer(child, s);
                    return s;
            }
        }

        [MethodImpl(JitOptions.Optimized)]
        private LockState TransferReceiver(IOperation receiver, LockState s, bool write)
        {
            s = Transfer(receiver, s);
            if (Reporting && HasUnmappedMarks(s) && s.Paths.ContainsKey(UnmappedMark + ValueOf(receiver, s)))
                Report(DiagnosticIds.UseAfterUnmap, receiver.Syntax.GetLocation(), new object[] { DisplayOf(receiver), "a pte pointer that was unmapped", "a member access" });
            if (!s.Unchecked.IsEmpty && s.Unchecked.Contains(ValueOf(receiver, s)))
            {
                if (Reporting)
                    ReportUnchecked(receiver, "a member access");
                s = AssumeSucceeded(s, ValueOf(receiver, s));
            }
            // A call through a [PtGuardedBy] reference reads (or writes) what it points to.
            return CheckPointee(receiver, s, write);
        }

        /// <summary>A read or write of a field, property or element: [GuardedBy]/[PtGuardedBy] checks.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private LockState Access(IOperation target, LockState s, bool write)
        {
            switch (target)
            {
                case IFieldReferenceOperation field:
                    if (field.Instance is { } fi)
                        s = TransferReceiver(fi, s, write);
                    CheckGuard(field.Field, field.Instance, field, s, write);
                    return s;
                case IPropertyReferenceOperation property:
                    if (property.Instance is { } pi)
                        s = TransferReceiver(pi, s, write);
                    foreach (var arg in property.Arguments)
                        s = Transfer(arg.Value, s);
                    CheckGuard(property.Property, property.Instance, property, s, write);
                    return s;
                case IArrayElementReferenceOperation element:
                    s = Transfer(element.ArrayReference, s);
                    foreach (var index in element.Indices)
                        s = Transfer(index, s);
                    return CheckPointee(element.ArrayReference, s, write);
                default:
                    return Transfer(target, s);
            }
        }

        [MethodImpl(JitOptions.Optimized)]
        private LockState CheckPointee(IOperation reference, LockState s, bool write)
        {
            ISymbol? member = reference switch
            {
                IFieldReferenceOperation f => f.Field,
                IPropertyReferenceOperation p => p.Property,
                _ => null,
            };
            if (member is not null && Reporting)
                CheckGuards(_model.GetGuard(member).PtGuardedBy, member, (reference as IMemberReferenceOperation)?.Instance, reference, s, write, pointee: true);
            return s;
        }

        [MethodImpl(JitOptions.Optimized)]
        private void CheckGuard(ISymbol member, IOperation? instance, IOperation access, LockState s, bool write)
        {
            if (Reporting)
                CheckGuards(_model.GetGuard(member).GuardedBy, member, instance, access, s, write, pointee: false);
        }

        /// <summary>
        /// PTL1002: reads need each guard held (shared is enough), writes need it held exclusively. The message
        /// names the member or, for [PtGuardedBy], what it points to; the text is built only for a report, since
        /// this runs at every member access of every analysed body.
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        private void CheckGuards(ImmutableArray<LockExpr> guards, ISymbol member, IOperation? instance, IOperation access, LockState s, bool write, bool pointee)
        {
            foreach (var expr in guards)
            {
                var key = ResolveRelativeTo(expr, member, instance, s);
                if (key is null || key.IsUnknown)
                    continue;
                var held = s.Find(key.Id);
                if (held is not null && (held.Maybe || !write || !held.Shared))
                    continue;
                Report(DiagnosticIds.GuardedAccessWithoutLock, access.Syntax.GetLocation(),
                    new object[] { write ? "writing" : "reading", pointee ? "the value pointed to by '" + member.Name + "'" : "'" + member.Name + "'", key.Display, write ? " exclusively" : "" });
            }
        }

        [MethodImpl(JitOptions.Optimized)]
        private LockState Assign(IOperation target, string value, LockState s)
        {
            switch (target)
            {
                case IDeclarationExpressionOperation declaration:
                    return Assign(declaration.Expression, value, s);
                case ILocalReferenceOperation local:
                    return Rename(s.WithValues(s.Values.SetItem(local.Local, value)), value, local.Local.Name);
                case IParameterReferenceOperation parameter:
                    return s.WithValues(s.Values.SetItem(parameter.Parameter, value));
                case IFieldReferenceOperation:
                case IPropertyReferenceOperation { Arguments.IsEmpty: true }:
                {
                    // vmf.Ptl = ptl: later reads of vmf.Ptl in this body name the same object.
                    string path = MemberPath(target, s);
                    var paths = s.Paths;
                    foreach (var kv in s.Paths)
                        if (kv.Key.StartsWith(path + ".", System.StringComparison.Ordinal))
                            paths = paths.Remove(kv.Key);
                    return s.WithPaths(paths.SetItem(path, value));
                }
                default:
                    return s;
            }
        }

        /// <summary>A lock held under a call's text (PmdLock(mm, pmd)) is shown by the local it was stored in (pml).</summary>
        [MethodImpl(JitOptions.Optimized)]
        private static LockState Rename(LockState s, string value, string name)
        {
            if (!s.Held.TryGetValue(value, out var held) || SyntaxFacts.IsValidIdentifier(held.Key.Display))
                return s;
            var key = new LockKey(held.Key.Id, name, held.Key.Capability, held.Key.Symbol);
            return s.WithHeld(s.Held.SetItem(value, new HeldLock(key, held.Shared, held.Depth, held.AcquiredAt, held.Maybe, held.UnlessEqual, held.FromContract, held.AcquiredBy, held.SettledBy)));
        }

        /// <summary>The structural name of a member access: "s:Type.Member" or the instance's value + ".Member".</summary>
        [MethodImpl(JitOptions.Optimized)]
        private string MemberPath(IOperation member, LockState s) => member switch
        {
            IFieldReferenceOperation f => f.Field.IsStatic ? "s:" + f.Field.ContainingType.Name + "." + f.Field.Name : ValueOf(f.Instance, s) + "." + f.Field.Name,
            IPropertyReferenceOperation p => p.Property.IsStatic ? "s:" + p.Property.ContainingType.Name + "." + p.Property.Name : ValueOf(p.Instance, s) + "." + p.Property.Name,
            _ => Fresh(member),
        };

        /// <summary>A value no other expression has, named by its position (asked several times per expression: built once).</summary>
        [MethodImpl(JitOptions.Optimized)]
        private string Fresh(IOperation op)
        {
            var span = op.Syntax.Span;
            long key = SpanKey(span);
            if (!_freshIds.TryGetValue(key, out var id))
                _freshIds[key] = id = "v@" + span.Start + ":" + span.Length;
            return id;
        }

        /// <summary>The value a parameter or local has before this body assigns it ("p:mm", "l:pte"), built once per symbol.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private string InitialValueOf(ISymbol variable, string prefix)
        {
            if (!_initialValues.TryGetValue(variable, out var id))
                _initialValues[variable] = id = prefix + variable.Name;
            return id;
        }

        /// <summary>The symbolic value an operation evaluates to: a path that names the same object wherever it is used.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private string ValueOf(IOperation? op, LockState s)
        {
            if (op is null)
                return "?null";
            // By Kind, as in Transfer: this runs for every operand the engine names.
            switch (op.Kind)
            {
                case OperationKind.Conversion:
                    return ValueOf(((IConversionOperation)op).Operand, s);
                case OperationKind.DeclarationExpression:
                    return ValueOf(((IDeclarationExpressionOperation)op).Expression, s);
                case OperationKind.Parenthesized:
                    return ValueOf(((IParenthesizedOperation)op).Operand, s);
                case OperationKind.ParameterReference:
                {
                    var parameter = ((IParameterReferenceOperation)op).Parameter;
                    return s.Values.TryGetValue(parameter, out var pv) ? pv : InitialValueOf(parameter, "p:");
                }
                case OperationKind.LocalReference:
                {
                    var local = ((ILocalReferenceOperation)op).Local;
                    return s.Values.TryGetValue(local, out var lv) ? lv : InitialValueOf(local, "l:");
                }
                case OperationKind.InstanceReference:
                    return "this";
                case OperationKind.FieldReference:
                {
                    string path = MemberPath(op, s);
                    return s.Paths.TryGetValue(path, out var stored) ? stored : path;
                }
                case OperationKind.PropertyReference when ((IPropertyReferenceOperation)op).Arguments.IsEmpty:
                {
                    var p = (IPropertyReferenceOperation)op;
                    string path = MemberPath(op, s);
                    if (s.Paths.TryGetValue(path, out var stored))
                        return stored;
                    if (p.Property.GetMethod is { } getter && _model.GetContract(getter).ReturnsCapability is { } returned)
                        return ResolveRelativeTo(returned, p.Property, p.Instance, s)?.Id ?? Fresh(p);
                    return path;
                }
                case OperationKind.FlowCaptureReference:
                {
                    var capture = ((IFlowCaptureReferenceOperation)op).Id;
                    return s.Captures.TryGetValue(capture, out var cv) ? cv : "c:" + capture.GetHashCode();
                }
                case OperationKind.Invocation:
                    return ResultId((IInvocationOperation)op, s);
                case OperationKind.Binary when _model.SameTable(((IBinaryOperation)op).OperatorMethod):
                    return ValueOf(((IBinaryOperation)op).LeftOperand, s);
                case OperationKind.Literal when op.ConstantValue.HasValue:
                    return op.ConstantValue.Value switch
                    {
                        true => "const:true",
                        false => "const:false",
                        null => "const:null",
                        _ => Fresh(op),
                    };
                default:
                    return Fresh(op);
            }
        }

        /// <summary>The value a call returns: the capability it is declared to return, or a fresh value.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private string ResultId(IInvocationOperation call, LockState s)
        {
            var contract = _model.GetContract(call.TargetMethod);
            if (contract.ReturnsCapability is { } returned && Resolve(returned, call, s, CallSiteId(call)) is { } key)
                return key.Id;
            return CallSiteId(call);
        }

        /// <summary>The value a call site returns, named by its position (asked several times per call: built once).</summary>
        [MethodImpl(JitOptions.Optimized)]
        private string CallSiteId(IInvocationOperation call)
        {
            // Keyed by the operation itself: a node's SpanStart walks down to its first token each time it is asked.
            if (!_callSiteIds.TryGetValue(call, out var id))
                _callSiteIds[call] = id = "r@" + call.Syntax.SpanStart;
            return id;
        }

        [MethodImpl(JitOptions.Optimized)]
        private LockKey KeyOf(IOperation op, LockState s, CapabilityInfo? fallback = null)
        {
            var type = (op as IConversionOperation)?.Operand.Type ?? op.Type;
            var capability = _model.GetCapability(type) ?? fallback ?? CapabilityInfo.Unknown;
            ISymbol? symbol = op switch
            {
                IFieldReferenceOperation f => f.Field,
                IPropertyReferenceOperation p => p.Property,
                IConversionOperation { Operand: IFieldReferenceOperation cf } => cf.Field,
                IConversionOperation { Operand: IPropertyReferenceOperation cp } => cp.Property,
                _ => null,
            };
            string display = TextOf(op.Syntax);
            if (op.IsImplicit && op is IInstanceReferenceOperation)
                display = "this";
            return new LockKey(ValueOf(op, s), display, capability, symbol);
        }
    }
}
