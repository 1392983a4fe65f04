using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PtLock.Analyzers.Engine
{
    internal sealed partial class LockFlowAnalysis
    {
        /// <summary>A partly resolved lock expression: its id, how to show it, and its static type.</summary>
        private readonly struct Resolved
        {
            public Resolved(string id, string display, ITypeSymbol? type, ISymbol? symbol)
            {
                Id = id;
                Display = display;
                Type = type;
                Symbol = symbol;
            }

            public string Id { get; }
            public string Display { get; }
            public ITypeSymbol? Type { get; }
            public ISymbol? Symbol { get; }
        }

        /// <summary>
        /// Where the bare names of a lock expression come from: a call's arguments, the member an annotation is
        /// written on, an instance already resolved, or the analysed method's own parameters. A struct, so that
        /// resolving an expression (several times per annotated call) allocates no closure or delegate.
        /// </summary>
        private readonly struct RootScope
        {
            private readonly int _kind;
            private readonly IInvocationOperation? _call;
            private readonly string? _resultId;
            private readonly ISymbol? _member;
            private readonly IOperation? _instance;
            private readonly Resolved _resolvedInstance;
            private readonly LockState _state;

            private RootScope(int kind, IInvocationOperation? call, string? resultId, ISymbol? member, IOperation? instance, Resolved resolvedInstance, LockState state)
            {
                _kind = kind;
                _call = call;
                _resultId = resultId;
                _member = member;
                _instance = instance;
                _resolvedInstance = resolvedInstance;
                _state = state;
            }

            [MethodImpl(JitOptions.Optimized)]
            public static RootScope AtCall(IInvocationOperation call, string resultId, LockState s) => new RootScope(CallKind, call, resultId, null, null, default, s);
            [MethodImpl(JitOptions.Optimized)]
            public static RootScope OnMember(ISymbol member, IOperation? instance, LockState s) => new RootScope(MemberKind, null, null, member, instance, default, s);
            [MethodImpl(JitOptions.Optimized)]
            public static RootScope OnResolvedInstance(ISymbol member, Resolved instance, LockState s) => new RootScope(ResolvedKind, null, null, member, null, instance, s);
            [MethodImpl(JitOptions.Optimized)]
            public static RootScope InOwnScope(string? returned, LockState s) => new RootScope(OwnKind, null, returned, null, null, default, s);

            private const int CallKind = 0, MemberKind = 1, ResolvedKind = 2, OwnKind = 3;

            [MethodImpl(JitOptions.Optimized)]
            public Resolved? Root(LockFlowAnalysis analysis, string name)
            {
                var s = _state;
                switch (_kind)
                {
                    case CallKind:
                    {
                        var call = _call!;
                        var method = call.TargetMethod;
                        if (name == "return")
                            return new Resolved(_resultId!, analysis.TextOf(call.Syntax), method.ReturnType, null);
                        if (name == "this")
                        {
                            var receiver = call.Instance ?? (method.IsExtensionMethod && !call.Arguments.IsEmpty ? call.Arguments[0].Value : null);
                            return receiver is null ? null : new Resolved(analysis.ValueOf(receiver, s), analysis.DisplayOf(receiver), receiver.Type, SymbolOf(receiver));
                        }
                        foreach (var arg in call.Arguments)
                        {
                            if (arg.Parameter?.Name == name)
                                return new Resolved(analysis.ValueOf(arg.Value, s), analysis.DisplayOf(arg.Value), (arg.Value as IConversionOperation)?.Operand.Type ?? arg.Value.Type, SymbolOf(arg.Value));
                        }
                        return analysis.MemberOrType(name, method.ContainingType, call.Instance, s);
                    }
                    case MemberKind:
                    {
                        var member = _member!;
                        if (name == "this")
                            return _instance is null ? new Resolved("this", "this", member.ContainingType, null) : new Resolved(analysis.ValueOf(_instance, s), analysis.DisplayOf(_instance), _instance.Type, SymbolOf(_instance));
                        return analysis.MemberOrType(name, member.ContainingType, _instance, s);
                    }
                    case ResolvedKind:
                    {
                        var member = _member!;
                        if (name == "this")
                            return _resolvedInstance;
                        var m = FindMember(member.ContainingType, name);
                        if (m is null)
                            return analysis.MemberOrType(name, member.ContainingType, null, s) is { } t && t.Id.StartsWith("type:", System.StringComparison.Ordinal) ? t : null;
                        if (m.IsStatic)
                            return new Resolved("s:" + m.ContainingType.Name + "." + name, name, MemberType(m), m);
                        string id = _resolvedInstance.Id + "." + name;
                        if (s.Paths.TryGetValue(id, out var stored))
                            id = stored;
                        return new Resolved(id, _resolvedInstance.Display + "." + name, MemberType(m), m);
                    }
                    default:
                    {
                        var method = analysis._method!;
                        if (name == "return")
                            return _resultId is null ? null : new Resolved(_resultId, "return", method.ReturnType, null);
                        if (name == "this")
                            return method.IsStatic ? null : new Resolved("this", "this", method.ContainingType, null);
                        foreach (var p in method.Parameters)
                            if (p.Name == name)
                                return new Resolved("p:" + p.Name, p.Name, p.Type, p);
                        return analysis.MemberOrType(name, method.ContainingType, null, s);
                    }
                }
            }
        }

        /// <summary>Resolve a contract's lock expression at a call: parameters become the arguments' values.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private LockKey? Resolve(LockExpr e, IInvocationOperation call, LockState s, string resultId, CapabilityInfo? fallback = null)
        {
            var r = ResolveExpr(e, RootScope.AtCall(call, resultId, s), call.TargetMethod.ContainingType, s);
            return r is null ? null : ToKey(r.Value, fallback);
        }

        /// <summary>Resolve a [GuardedBy]-style expression written on <paramref name="member"/>, for an access through <paramref name="instance"/>.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private LockKey? ResolveRelativeTo(LockExpr e, ISymbol member, IOperation? instance, LockState s)
        {
            var r = ResolveExpr(e, RootScope.OnMember(member, instance, s), member.ContainingType, s);
            return r is null ? null : ToKey(r.Value, null);
        }

        /// <summary>Resolve an expression written on <paramref name="member"/> for an instance already resolved.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private Resolved? ResolveOnInstance(LockExpr e, ISymbol member, Resolved instance, LockState s) =>
            ResolveExpr(e, RootScope.OnResolvedInstance(member, instance, s), member.ContainingType, s);

        /// <summary>Resolve an expression of the analysed method's own contract (parameters are "p:name").</summary>
        [MethodImpl(JitOptions.Optimized)]
        private LockKey? ResolveInOwnScope(LockExpr e, LockState s, string? returned = null)
        {
            var r = ResolveExpr(e, RootScope.InOwnScope(returned, s), _method!.ContainingType, s);
            return r is null ? null : ToKey(r.Value, null);
        }

        [MethodImpl(JitOptions.Optimized)]
        private Resolved? ResolveExpr(LockExpr e, in RootScope root, INamedTypeSymbol? context, LockState s)
        {
            switch (e)
            {
                case PathExpr path:
                {
                    var current = root.Root(this, path.Root);
                    if (current is null)
                        return null;
                    var value = current.Value;
                    foreach (var name in path.Members)
                    {
                        if (value.Id.StartsWith("type:", System.StringComparison.Ordinal))
                        {
                            var type = value.Type;
                            var staticMember = type?.GetMembers(name).FirstOrDefault();
                            value = new Resolved("s:" + type?.Name + "." + name, value.Display + "." + name, MemberType(staticMember), staticMember);
                            continue;
                        }
                        var member = FindMember(value.Type, name);
                        string id = value.Id + "." + name;
                        string display = value.Display + "." + name;
                        // A member this body assigned holds what was stored there (vmf.Ptl = ptl); a property
                        // declared to return a capability is that capability, seen from this instance.
                        if (s.Paths.TryGetValue(id, out var stored))
                            id = stored;
                        else if (member is IPropertySymbol { GetMethod: { } getter } && _model.GetContract(getter).ReturnsCapability is { } returned
                                 && ResolveOnInstance(returned, member, value, s) is { } viaGetter)
                            id = viaGetter.Id;
                        value = new Resolved(id, display, MemberType(member), member);
                    }
                    return value.Id.StartsWith("type:", System.StringComparison.Ordinal) ? null : value;
                }
                case CallExpr callExpr:
                {
                    var ids = new string[callExpr.Arguments.Length];
                    var displays = new string[callExpr.Arguments.Length];
                    for (int i = 0; i < ids.Length; i++)
                    {
                        var r = ResolveExpr(callExpr.Arguments[i], root, context, s);
                        if (r is null)
                            return null;
                        ids[i] = r.Value.Id;
                        displays[i] = r.Value.Display;
                    }
                    var target = FindMethod(callExpr.Name, context);
                    return new Resolved(callExpr.Name + "(" + string.Join(",", ids) + ")", callExpr.Name + "(" + string.Join(", ", displays) + ")", target?.ReturnType, null);
                }
                default:
                    return null;
            }
        }

        [MethodImpl(JitOptions.Optimized)]
        private LockKey ToKey(Resolved r, CapabilityInfo? fallback) =>
            new LockKey(r.Id, r.Display, _model.GetCapability(r.Type) ?? fallback ?? CapabilityInfo.Unknown, r.Symbol);

        /// <summary>A bare name in a contract: a member of the declaring type (or its bases), or a type for "Type.Member".</summary>
        [MethodImpl(JitOptions.Optimized)]
        private Resolved? MemberOrType(string name, INamedTypeSymbol? type, IOperation? instance, LockState s)
        {
            var member = FindMember(type, name);
            if (member is not null)
            {
                if (member.IsStatic)
                    return new Resolved("s:" + member.ContainingType.Name + "." + name, name, MemberType(member), member);
                string baseId = instance is null ? "this" : ValueOf(instance, s);
                string baseDisplay = instance is null || instance.IsImplicit ? "" : DisplayOf(instance) + ".";
                return new Resolved(baseId + "." + name, baseDisplay + name, MemberType(member), member);
            }
            var namedType = FindType(name, type);
            return namedType is null ? null : new Resolved("type:" + namedType.Name, name, namedType, namedType);
        }

        [MethodImpl(JitOptions.Optimized)]
        private static ISymbol? FindMember(ITypeSymbol? type, string name)
        {
            for (var t = type; t is not null; t = t.BaseType)
            {
                foreach (var m in t.GetMembers(name))
                    if (m is IFieldSymbol or IPropertySymbol)
                        return m;
            }
            return null;
        }

        [MethodImpl(JitOptions.Optimized)]
        private static ITypeSymbol? MemberType(ISymbol? member) => member switch
        {
            IFieldSymbol f => f.Type,
            IPropertySymbol p => p.Type,
            IMethodSymbol m => m.ReturnType,
            _ => null,
        };

        private static readonly System.Func<string, INamedTypeSymbol, ISymbol?> s_findType = (name, context) => FindTypeUncached(name, context);
        private static readonly System.Func<string, INamedTypeSymbol, ISymbol?> s_findMethod = (name, context) => FindMethodUncached(name, context);

        [MethodImpl(JitOptions.Optimized)]
        private INamedTypeSymbol? FindType(string name, INamedTypeSymbol? context) =>
            context is null ? null : _model.Lookup(("type", name, context), s_findType) as INamedTypeSymbol;

        [MethodImpl(JitOptions.Optimized)]
        private IMethodSymbol? FindMethod(string name, INamedTypeSymbol? context) =>
            context is null ? null : _model.Lookup(("method", name, context), s_findMethod) as IMethodSymbol;

        /// <summary>A type named <paramref name="name"/> visible from <paramref name="context"/>: nested, or in an enclosing namespace.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private static INamedTypeSymbol? FindTypeUncached(string name, INamedTypeSymbol? context)
        {
            for (var t = context; t is not null; t = t.ContainingType)
            {
                if (t.Name == name)
                    return t;
                var nested = t.GetTypeMembers(name).FirstOrDefault();
                if (nested is not null)
                    return nested;
            }
            for (var ns = context?.ContainingNamespace; ns is not null; ns = ns.ContainingNamespace)
            {
                var found = ns.GetTypeMembers(name).FirstOrDefault();
                if (found is not null)
                    return found;
            }
            return null;
        }

        /// <summary>The [ReturnsCapability] method named in a call expression: in the context type or its namespace.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private static IMethodSymbol? FindMethodUncached(string name, INamedTypeSymbol? context)
        {
            for (var t = context; t is not null; t = t.BaseType)
                foreach (var m in t.GetMembers(name))
                    if (m is IMethodSymbol method)
                        return method;
            var ns = context?.ContainingNamespace;
            if (ns is null)
                return null;
            foreach (var type in ns.GetTypeMembers())
                foreach (var m in type.GetMembers(name))
                    if (m is IMethodSymbol method)
                        return method;
            return null;
        }

        [MethodImpl(JitOptions.Optimized)]
        private string DisplayOf(IOperation op)
        {
            if (op is IDeclarationExpressionOperation declaration)
                return DisplayOf(declaration.Expression);
            if (op is IConversionOperation conversion && conversion.IsImplicit)
                return DisplayOf(conversion.Operand);
            if (op is IInstanceReferenceOperation && op.IsImplicit)
                return "this";
            return TextOf(op.Syntax);
        }

        /// <summary>
        /// The source text of <paramref name="node"/>, as its ToString() gives it: a node's text is the text of its span,
        /// so it is cut from the file's text (rendering a node walks its tokens) and built once per span, since every
        /// resolution of a call's lock expressions names its arguments again.
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        private string TextOf(SyntaxNode node)
        {
            var span = node.Span;
            long key = SpanKey(span);
            if (!_texts.TryGetValue(key, out var text))
                _texts[key] = text = node.SyntaxTree.GetText(_cancellation).ToString(span);
            return text;
        }

        /// <summary>A span as one number, for the per-body caches keyed by position (fresh values, display text).</summary>
        private static long SpanKey(Microsoft.CodeAnalysis.Text.TextSpan span) => ((long)span.Start << 32) | (uint)span.Length;

        [MethodImpl(JitOptions.Optimized)]
        private static ISymbol? SymbolOf(IOperation op) => op switch
        {
            IConversionOperation c => SymbolOf(c.Operand),
            IDeclarationExpressionOperation d => SymbolOf(d.Expression),
            IFieldReferenceOperation f => f.Field,
            IPropertyReferenceOperation p => p.Property,
            IParameterReferenceOperation p => p.Parameter,
            ILocalReferenceOperation l => l.Local,
            _ => null,
        };
    }
}
