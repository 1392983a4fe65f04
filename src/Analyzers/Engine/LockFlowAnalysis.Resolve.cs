using System.Collections.Generic;
using System.Linq;
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

        /// <summary>Resolve a contract's lock expression at a call: parameters become the arguments' values.</summary>
        private LockKey? Resolve(LockExpr e, IInvocationOperation call, LockState s, string resultId, CapabilityInfo? fallback = null)
        {
            var method = call.TargetMethod;
            Resolved? Root(string name)
            {
                if (name == "return")
                    return new Resolved(resultId, call.Syntax.ToString(), method.ReturnType, null);
                if (name == "this")
                {
                    var receiver = call.Instance ?? (method.IsExtensionMethod ? call.Arguments.FirstOrDefault()?.Value : null);
                    return receiver is null ? null : new Resolved(ValueOf(receiver, s), DisplayOf(receiver), receiver.Type, SymbolOf(receiver));
                }
                foreach (var arg in call.Arguments)
                {
                    if (arg.Parameter?.Name == name)
                        return new Resolved(ValueOf(arg.Value, s), DisplayOf(arg.Value), (arg.Value as IConversionOperation)?.Operand.Type ?? arg.Value.Type, SymbolOf(arg.Value));
                }
                return MemberOrType(name, method.ContainingType, call.Instance, s);
            }
            var r = ResolveExpr(e, Root, method.ContainingType, s);
            return r is null ? null : ToKey(r.Value, fallback);
        }

        /// <summary>Resolve a [GuardedBy]-style expression written on <paramref name="member"/>, for an access through <paramref name="instance"/>.</summary>
        private LockKey? ResolveRelativeTo(LockExpr e, ISymbol member, IOperation? instance, LockState s)
        {
            Resolved? Root(string name)
            {
                if (name == "this")
                    return instance is null ? new Resolved("this", "this", member.ContainingType, null) : new Resolved(ValueOf(instance, s), DisplayOf(instance), instance.Type, SymbolOf(instance));
                return MemberOrType(name, member.ContainingType, instance, s);
            }
            var r = ResolveExpr(e, Root, member.ContainingType, s);
            return r is null ? null : ToKey(r.Value, null);
        }

        /// <summary>Resolve an expression written on <paramref name="member"/> for an instance already resolved.</summary>
        private Resolved? ResolveOnInstance(LockExpr e, ISymbol member, Resolved instance, LockState s)
        {
            Resolved? Root(string name)
            {
                if (name == "this")
                    return instance;
                var m = FindMember(member.ContainingType, name);
                if (m is null)
                    return MemberOrType(name, member.ContainingType, null, s) is { } t && t.Id.StartsWith("type:", System.StringComparison.Ordinal) ? t : null;
                if (m.IsStatic)
                    return new Resolved("s:" + m.ContainingType.Name + "." + name, name, MemberType(m), m);
                string id = instance.Id + "." + name;
                if (s.Paths.TryGetValue(id, out var stored))
                    id = stored;
                return new Resolved(id, instance.Display + "." + name, MemberType(m), m);
            }
            return ResolveExpr(e, Root, member.ContainingType, s);
        }

        /// <summary>Resolve an expression of the analysed method's own contract (parameters are "p:name").</summary>
        private LockKey? ResolveInOwnScope(LockExpr e, LockState s, string? returned = null)
        {
            var method = _method!;
            Resolved? Root(string name)
            {
                if (name == "return")
                    return returned is null ? null : new Resolved(returned, "return", method.ReturnType, null);
                if (name == "this")
                    return method.IsStatic ? null : new Resolved("this", "this", method.ContainingType, null);
                foreach (var p in method.Parameters)
                    if (p.Name == name)
                        return new Resolved("p:" + p.Name, p.Name, p.Type, p);
                return MemberOrType(name, method.ContainingType, null, s);
            }
            var r = ResolveExpr(e, Root, method.ContainingType, s);
            return r is null ? null : ToKey(r.Value, null);
        }

        private Resolved? ResolveExpr(LockExpr e, System.Func<string, Resolved?> root, INamedTypeSymbol? context, LockState s)
        {
            switch (e)
            {
                case PathExpr path:
                {
                    var current = root(path.Root);
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
                    var args = new List<Resolved>();
                    foreach (var a in callExpr.Arguments)
                    {
                        var r = ResolveExpr(a, root, context, s);
                        if (r is null)
                            return null;
                        args.Add(r.Value);
                    }
                    var target = FindMethod(callExpr.Name, context);
                    return new Resolved(
                        callExpr.Name + "(" + string.Join(",", args.Select(a => a.Id)) + ")",
                        callExpr.Name + "(" + string.Join(", ", args.Select(a => a.Display)) + ")",
                        target?.ReturnType,
                        null);
                }
                default:
                    return null;
            }
        }

        private LockKey ToKey(Resolved r, CapabilityInfo? fallback) =>
            new LockKey(r.Id, r.Display, _model.GetCapability(r.Type) ?? fallback ?? CapabilityInfo.Unknown, r.Symbol);

        /// <summary>A bare name in a contract: a member of the declaring type (or its bases), or a type for "Type.Member".</summary>
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

        private static ITypeSymbol? MemberType(ISymbol? member) => member switch
        {
            IFieldSymbol f => f.Type,
            IPropertySymbol p => p.Type,
            IMethodSymbol m => m.ReturnType,
            _ => null,
        };

        private static readonly System.Func<string, INamedTypeSymbol, ISymbol?> s_findType = (name, context) => FindTypeUncached(name, context);
        private static readonly System.Func<string, INamedTypeSymbol, ISymbol?> s_findMethod = (name, context) => FindMethodUncached(name, context);

        private INamedTypeSymbol? FindType(string name, INamedTypeSymbol? context) =>
            context is null ? null : _model.Lookup(("type", name, context), s_findType) as INamedTypeSymbol;

        private IMethodSymbol? FindMethod(string name, INamedTypeSymbol? context) =>
            context is null ? null : _model.Lookup(("method", name, context), s_findMethod) as IMethodSymbol;

        /// <summary>A type named <paramref name="name"/> visible from <paramref name="context"/>: nested, or in an enclosing namespace.</summary>
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

        private static string DisplayOf(IOperation op)
        {
            if (op is IDeclarationExpressionOperation declaration)
                return DisplayOf(declaration.Expression);
            if (op is IConversionOperation conversion && conversion.IsImplicit)
                return DisplayOf(conversion.Operand);
            if (op is IInstanceReferenceOperation && op.IsImplicit)
                return "this";
            return op.Syntax.ToString();
        }

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
