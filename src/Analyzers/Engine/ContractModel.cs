using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace PtLock.Analyzers.Engine
{
    /// <summary>
    /// The contracts of one compilation, read from PtLock.Contracts attributes (in source or metadata) and,
    /// for the framework's own locks, from a built-in table. Built once per compilation; lookups are cached
    /// per symbol and safe to call from concurrent analyzer callbacks.
    /// </summary>
    internal sealed class ContractModel
    {
        /// <summary>Whether <paramref name="method"/> (an operator) returns a pointer into the same table as its operand.</summary>
        [MethodImpl(JitOptions.Optimized)]
        public bool SameTable(IMethodSymbol? method)
        {
            if (method is null || !HasContracts)
                return false;
            return _sameTable.GetOrAdd(method, m => m.GetAttributes().Any(a => SymbolNames.ContractAttributeName(a) == "SameTableAsAttribute"));
        }

        private readonly ConcurrentDictionary<IMethodSymbol, bool> _sameTable = new ConcurrentDictionary<IMethodSymbol, bool>(SymbolEqualityComparer.Default);

        private readonly ConcurrentDictionary<IMethodSymbol, MethodContract> _methods = new ConcurrentDictionary<IMethodSymbol, MethodContract>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<ITypeSymbol, CapabilityInfo?> _capabilities = new ConcurrentDictionary<ITypeSymbol, CapabilityInfo?>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<ISymbol, GuardInfo> _guards = new ConcurrentDictionary<ISymbol, GuardInfo>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<ISymbol, ImmutableArray<LockExpr>> _acquiredBefore = new ConcurrentDictionary<ISymbol, ImmutableArray<LockExpr>>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<(string, string, INamedTypeSymbol), ISymbol?> _lookups =
            new ConcurrentDictionary<(string, string, INamedTypeSymbol), ISymbol?>();

        /// <summary>A cached name lookup (types and methods named in lock expressions) from a context type.</summary>
        [MethodImpl(JitOptions.Optimized)]
        public ISymbol? Lookup((string Kind, string Name, INamedTypeSymbol Context) key, System.Func<string, INamedTypeSymbol, ISymbol?> find) =>
            _lookups.TryGetValue(key, out var found) ? found : _lookups.GetOrAdd(key, find(key.Name, key.Context));

        private readonly System.Func<IMethodSymbol, MethodContract> _build;
        private readonly System.Func<ITypeSymbol, CapabilityInfo?> _findCapability;
        private readonly System.Func<ITypeSymbol, bool> _findScoped;
        private readonly System.Func<ISymbol, GuardInfo> _findGuard;
        private readonly System.Func<ISymbol, ImmutableArray<LockExpr>> _orderBefore;
        private readonly System.Func<ISymbol, ImmutableArray<LockExpr>> _orderAfter;
        private readonly ConcurrentDictionary<ITypeSymbol, bool> _scoped = new ConcurrentDictionary<ITypeSymbol, bool>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<ISymbol, ImmutableArray<LockExpr>> _acquiredAfter = new ConcurrentDictionary<ISymbol, ImmutableArray<LockExpr>>(SymbolEqualityComparer.Default);

        private ContractModel(Compilation compilation, bool hasContracts)
        {
            // One delegate each, not one per lookup: these run for every call and member access analysed
            // (GetOrAdd looks the key up before it calls the factory).
            _build = Build;
            _findCapability = FindCapability;
            _findScoped = FindScoped;
            _findGuard = FindGuard;
            _orderBefore = s => Order(s, "AcquiredBeforeAttribute");
            _orderAfter = s => Order(s, "AcquiredAfterAttribute");
            Compilation = compilation;
            HasContracts = hasContracts;
        }

        public Compilation Compilation { get; }

        /// <summary>Whether PtLock.Contracts is referenced at all (else only built-in locks are analysed).</summary>
        public bool HasContracts { get; }

        [MethodImpl(JitOptions.Optimized)]
        public static ContractModel Create(Compilation compilation)
        {
            // References by the type names each assembly declares (cached on its symbol, which an IDE's compilations
            // share) rather than GetTypeByMetadataName, which searches every reference of every new compilation. The
            // contracts come from the PtLock.Contracts assembly, or are compiled into a referenced assembly or this one.
            bool has = compilation.SourceModule.ReferencedAssemblySymbols.Any(DeclaresContracts) || SourceDeclaresContracts(compilation.Assembly);
            return new ContractModel(compilation, has);
        }

        /// <summary>Contract attributes whose presence says an assembly has the contracts compiled in.</summary>
        private static readonly string[] s_markerTypes = { "AcquiresAttribute", "CapabilityAttribute", "ZapPathAttribute", "GuardedByAttribute" };

        private static readonly string[] s_markerMetadataNames = s_markerTypes.Select(name => "PtLock.Contracts." + name).ToArray();

        /// <summary>
        /// Whether the compilation's own sources declare the contracts (a simulator that compiles them in). Looked up
        /// by name in the PtLock.Contracts namespace: the source assembly's TypeNames would collect the names of every
        /// type of every file again for each new compilation, several milliseconds per keystroke in a large project.
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        private static bool SourceDeclaresContracts(IAssemblySymbol assembly) =>
            assembly.Name == "PtLock.Contracts" || s_markerMetadataNames.Any(name => assembly.GetTypeByMetadataName(name) is not null);

        /// <summary>Whether <paramref name="assembly"/> (a reference) is, or has compiled in, PtLock.Contracts.</summary>
        [MethodImpl(JitOptions.Optimized)]
        public static bool DeclaresContracts(IAssemblySymbol assembly)
        {
            if (assembly.Name == "PtLock.Contracts")
                return true;
            foreach (var name in s_markerTypes)
                if (assembly.TypeNames.Contains(name))
                    return true;
            return false;
        }

        [MethodImpl(JitOptions.Optimized)]
        public MethodContract GetContract(IMethodSymbol method)
        {
            var key = method.ReducedFrom ?? method;
            if (key.IsGenericMethod && !SymbolEqualityComparer.Default.Equals(key, key.OriginalDefinition))
                key = key.OriginalDefinition;
            return _methods.GetOrAdd(key, _build);
        }

        [MethodImpl(JitOptions.Optimized)]
        private MethodContract Build(IMethodSymbol method)
        {
            var builtIn = BuiltInLocks.TryGet(method);
            if (builtIn is not null)
                return builtIn;
            if (!HasContracts)
                return MethodContract.Empty;
            var attributes = method.GetAttributes();
            if (method.AssociatedSymbol is IPropertySymbol property)
                attributes = attributes.AddRange(property.GetAttributes());
            var c = new MethodContract();
            foreach (var parameter in method.Parameters)
            {
                foreach (var a in parameter.GetAttributes())
                {
                    string? pname = SymbolNames.ContractAttributeName(a);
                    if (pname == "ReturnsCapabilityAttribute" && LockExprParser.Parse(FirstString(a)) is { } delivered)
                        c.OutCapabilities = c.OutCapabilities.SetItem(parameter.Name, delivered);
                    else if (pname == "LocklessSnapshotAttribute")
                        c.SnapshotParameters = c.SnapshotParameters.Add(parameter.Name);
                    else if (pname == "PublishedTableAttribute")
                        c.PublishesParameters = c.PublishesParameters.Add(parameter.Name);
                }
            }
            if (attributes.IsEmpty && c.OutCapabilities.IsEmpty && c.SnapshotParameters.IsEmpty && c.PublishesParameters.IsEmpty)
                return MethodContract.Empty;

            foreach (var a in attributes)
            {
                string? name = SymbolNames.ContractAttributeName(a);
                if (name is null)
                    continue;
                switch (name)
                {
                    case "RequiresAttribute": c.Requires = c.Requires.AddRange(Locks(a)); break;
                    case "RequiresSharedAttribute": c.RequiresShared = c.RequiresShared.AddRange(Locks(a)); break;
                    case "ExcludesAttribute": c.Excludes = c.Excludes.AddRange(Locks(a)); break;
                    case "AcquiresAttribute":
                        c.Acquires = c.Acquires.AddRange(Locks(a));
                        c.AcquiresNested |= NamedBool(a, "Nested");
                        break;
                    case "AcquiresSharedAttribute": c.AcquiresShared = c.AcquiresShared.AddRange(Locks(a)); break;
                    case "ReleasesAttribute": c.Releases = c.Releases.AddRange(Locks(a)); break;
                    case "ReleasesSharedAttribute": c.ReleasesShared = c.ReleasesShared.AddRange(Locks(a)); break;
                    case "AssertHeldAttribute": c.AssertHeld = c.AssertHeld.AddRange(Locks(a)); break;
                    case "TryAcquiresAttribute":
                    case "TryAcquiresSharedAttribute":
                        if (a.ConstructorArguments.Length >= 1 && a.ConstructorArguments[0].Value is int when)
                            c.TryAcquires = c.TryAcquires.Add(new TryAcquireContract((SuccessWhen)when, Locks(a, skip: 1), name.EndsWith("SharedAttribute", System.StringComparison.Ordinal)));
                        break;
                    case "ReturnsCapabilityAttribute": c.ReturnsCapability = LockExprParser.Parse(FirstString(a)); break;
                    case "NoLockAnalysisAttribute": c.NoLockAnalysis = true; break;
                    case "FallibleAttribute": c.Fallible = true; break;
                    case "MapsPteAttribute":
                        c.MapsPte = true;
                        c.MapsPteReadOnly = NamedBool(a, "ReadOnly");
                        c.MapsPteNeedsRevalidation = NamedBool(a, "NeedsRevalidation");
                        break;
                    case "UnmapsPteAttribute": c.UnmapsPte = FirstString(a); break;
                    case "LocklessSnapshotAttribute": c.LocklessSnapshot = true; break;
                    case "RecheckAttribute":
                        c.RecheckLevel = FirstString(a);
                        foreach (var named in a.NamedArguments)
                            if (named.Key == "UnchangedWhen" && named.Value.Value is bool unchangedWhen)
                                c.RecheckUnchangedWhen = unchangedWhen;
                        break;
                    case "EntryWriteAttribute": c.EntryWrite = FirstString(a); break;
                    case "RequiresStableAttribute":
                        if (a.ConstructorArguments.Length == 2)
                            c.RequiresStableLock = LockExprParser.Parse(a.ConstructorArguments[1].Value as string);
                        break;
                    case "FreesTableNowAttribute": c.FreesTableNow = FirstString(a); break;
                    case "PublishedTableAttribute": c.ReturnsPublishedTable = true; break;
                    case "FreesTableDeferredAttribute": c.FreesTableDeferred = FirstString(a); break;
                    case "MaySleepAttribute": c.MaySleep = true; break;
                    case "ValidWhileHeldAttribute": c.ValidWhileHeld = c.ValidWhileHeld.AddRange(Locks(a)); break;
                }
            }
            return c.IsEmpty && !c.NoLockAnalysis && c.SnapshotParameters.IsEmpty && c.PublishesParameters.IsEmpty ? MethodContract.Empty : c;
        }

        /// <summary>[Capability] of a type (or its base types and interfaces), or null when it is no lock.</summary>
        [MethodImpl(JitOptions.Optimized)]
        public CapabilityInfo? GetCapability(ITypeSymbol? type)
        {
            if (type is null)
                return null;
            return _capabilities.GetOrAdd(type, _findCapability);
        }

        [MethodImpl(JitOptions.Optimized)]
        private CapabilityInfo? FindCapability(ITypeSymbol t)
        {
            var builtIn = BuiltInLocks.CapabilityOf(t);
            if (builtIn is not null)
                return builtIn;
            for (var current = t; current is not null; current = current.BaseType)
            {
                var info = FromAttributes(current);
                if (info is not null)
                    return info;
            }
            foreach (var i in t.AllInterfaces)
            {
                var info = FromAttributes(i);
                if (info is not null)
                    return info;
            }
            return null;
        }

        [MethodImpl(JitOptions.Optimized)]
        private static CapabilityInfo? FromAttributes(ITypeSymbol type)
        {
            foreach (var a in type.GetAttributes())
            {
                if (SymbolNames.ContractAttributeName(a) != "CapabilityAttribute")
                    continue;
                string kind = FirstString(a) ?? "lock";
                return new CapabilityInfo(kind, NamedBool(a, "Sleeps"), NamedBool(a, "Reentrant"), NamedInt(a, "Rank"));
            }
            return null;
        }

        [MethodImpl(JitOptions.Optimized)]
        public bool IsScopedCapability(ITypeSymbol? type) =>
            type is not null && _scoped.GetOrAdd(type, _findScoped);

        [MethodImpl(JitOptions.Optimized)]
        private bool FindScoped(ITypeSymbol type) =>
            type.GetAttributes().Any(a => SymbolNames.ContractAttributeName(a) == "ScopedCapabilityAttribute") || BuiltInLocks.IsScope(type);

        [MethodImpl(JitOptions.Optimized)]
        public GuardInfo GetGuard(ISymbol member) =>
            _guards.GetOrAdd(member, _findGuard);

        [MethodImpl(JitOptions.Optimized)]
        private GuardInfo FindGuard(ISymbol m)
        {
            if (!HasContracts)
                return new GuardInfo(ImmutableArray<LockExpr>.Empty, ImmutableArray<LockExpr>.Empty);
            var guarded = ImmutableArray<LockExpr>.Empty;
            var pointee = ImmutableArray<LockExpr>.Empty;
            foreach (var a in m.GetAttributes())
            {
                string? name = SymbolNames.ContractAttributeName(a);
                if (name == "GuardedByAttribute" && LockExprParser.Parse(FirstString(a)) is { } g)
                    guarded = guarded.Add(g);
                else if (name == "PtGuardedByAttribute" && LockExprParser.Parse(FirstString(a)) is { } p)
                    pointee = pointee.Add(p);
            }
            return new GuardInfo(guarded, pointee);
        }

        /// <summary>[AcquiredBefore] on a lock field/property/type: the locks that must be taken after it.</summary>
        [MethodImpl(JitOptions.Optimized)]
        public ImmutableArray<LockExpr> GetAcquiredBefore(ISymbol lockSymbol) =>
            _acquiredBefore.GetOrAdd(lockSymbol, _orderBefore);

        /// <summary>[AcquiredAfter] on a lock field/property/type: the locks that must be taken before it.</summary>
        [MethodImpl(JitOptions.Optimized)]
        public ImmutableArray<LockExpr> GetAcquiredAfter(ISymbol lockSymbol) =>
            _acquiredAfter.GetOrAdd(lockSymbol, _orderAfter);

        [MethodImpl(JitOptions.Optimized)]
        private ImmutableArray<LockExpr> Order(ISymbol s, string attribute)
        {
            if (!HasContracts)
                return ImmutableArray<LockExpr>.Empty;
            var result = ImmutableArray<LockExpr>.Empty;
            foreach (var a in s.GetAttributes())
                if (SymbolNames.ContractAttributeName(a) == attribute)
                    result = result.AddRange(Locks(a));
            return result;
        }

        [MethodImpl(JitOptions.Optimized)]
        private static ImmutableArray<LockExpr> Locks(AttributeData a, int skip = 0)
        {
            var builder = ImmutableArray.CreateBuilder<LockExpr>();
            for (int i = skip; i < a.ConstructorArguments.Length; i++)
            {
                var arg = a.ConstructorArguments[i];
                if (arg.Kind == TypedConstantKind.Array)
                {
                    foreach (var v in arg.Values)
                        if (LockExprParser.Parse(v.Value as string) is { } e)
                            builder.Add(e);
                }
                else if (LockExprParser.Parse(arg.Value as string) is { } e)
                {
                    builder.Add(e);
                }
            }
            return builder.ToImmutable();
        }

        [MethodImpl(JitOptions.Optimized)]
        private static string? FirstString(AttributeData a) =>
            a.ConstructorArguments.Length > 0 && a.ConstructorArguments[0].Kind != TypedConstantKind.Array
                ? a.ConstructorArguments[0].Value as string
                : null;

        [MethodImpl(JitOptions.Optimized)]
        private static bool NamedBool(AttributeData a, string name)
        {
            foreach (var kv in a.NamedArguments)
                if (kv.Key == name && kv.Value.Value is bool b)
                    return b;
            return false;
        }

        [MethodImpl(JitOptions.Optimized)]
        private static int NamedInt(AttributeData a, string name)
        {
            foreach (var kv in a.NamedArguments)
                if (kv.Key == name && kv.Value.Value is int i)
                    return i;
            return 0;
        }
    }
}
