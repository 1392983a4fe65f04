using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace PtLock.Analyzers.Engine
{
    /// <summary>
    /// C#'s own locks as capabilities: the <c>lock</c> statement (lowered to Monitor.Enter(obj, ref taken) or
    /// Lock.EnterScope()), Monitor, System.Threading.Lock, SpinLock and ReaderWriterLockSlim.
    /// </summary>
    internal sealed class BuiltInLocks
    {
        private static readonly LockExpr This = LockExprParser.Parse("this")!;
        private static readonly LockExpr Obj = LockExprParser.Parse("obj")!;
        private readonly INamedTypeSymbol? _monitor;
        private readonly INamedTypeSymbol? _lock;
        private readonly INamedTypeSymbol? _lockScope;
        private readonly INamedTypeSymbol? _spinLock;
        private readonly INamedTypeSymbol? _rwLockSlim;

        public BuiltInLocks(Compilation compilation)
        {
            _monitor = compilation.GetTypeByMetadataName("System.Threading.Monitor");
            _lock = compilation.GetTypeByMetadataName("System.Threading.Lock");
            _lockScope = compilation.GetTypeByMetadataName("System.Threading.Lock+Scope");
            _spinLock = compilation.GetTypeByMetadataName("System.Threading.SpinLock");
            _rwLockSlim = compilation.GetTypeByMetadataName("System.Threading.ReaderWriterLockSlim");
        }

        public static readonly CapabilityInfo MonitorCapability = new CapabilityInfo("monitor", sleeps: true, reentrant: true, rank: 0);
        private static readonly CapabilityInfo LockCapability = new CapabilityInfo("lock", sleeps: true, reentrant: true, rank: 0);
        private static readonly CapabilityInfo SpinCapability = new CapabilityInfo("spinlock", sleeps: false, reentrant: false, rank: 0);
        private static readonly CapabilityInfo RwCapability = new CapabilityInfo("rwlock", sleeps: true, reentrant: false, rank: 0);

        public CapabilityInfo? CapabilityOf(ITypeSymbol type)
        {
            if (Same(type, _lock)) return LockCapability;
            if (Same(type, _spinLock)) return SpinCapability;
            if (Same(type, _rwLockSlim)) return RwCapability;
            return null;
        }

        public bool IsScope(ITypeSymbol type) => Same(type, _lockScope);

        public MethodContract? TryGet(IMethodSymbol method)
        {
            var type = method.ContainingType;
            if (type is null)
                return null;
            if (Same(type, _monitor))
                return Monitor(method);
            if (Same(type, _lock))
                return Lock(method);
            if (Same(type, _lockScope) && method.Name == "Dispose")
                return new MethodContract { Releases = ImmutableArray.Create(This) };
            if (Same(type, _spinLock))
                return Spin(method);
            if (Same(type, _rwLockSlim))
                return ReaderWriter(method);
            return null;
        }

        private static MethodContract? Monitor(IMethodSymbol m)
        {
            switch (m.Name)
            {
                case "Enter" when m.Parameters.Length == 1:
                    return new MethodContract { Acquires = ImmutableArray.Create(Obj) };
                case "Enter" when m.Parameters.Length == 2:
                    return new MethodContract { Acquires = ImmutableArray.Create(Obj), BuiltIn = BuiltInBehavior.AcquireSetsTakenTrue };
                case "TryEnter" when m.ReturnType.SpecialType == SpecialType.System_Boolean:
                    return new MethodContract { TryAcquires = ImmutableArray.Create(new TryAcquireContract(SuccessWhen.True, ImmutableArray.Create(Obj), shared: false)) };
                case "Exit":
                    return new MethodContract { Releases = ImmutableArray.Create(Obj) };
                case "Wait":
                    return new MethodContract { Requires = ImmutableArray.Create(Obj), MaySleep = true };
                case "Pulse":
                case "PulseAll":
                    return new MethodContract { Requires = ImmutableArray.Create(Obj) };
                default:
                    return null;
            }
        }

        private static MethodContract? Lock(IMethodSymbol m)
        {
            switch (m.Name)
            {
                case "Enter":
                    return new MethodContract { Acquires = ImmutableArray.Create(This) };
                case "TryEnter":
                    return new MethodContract { TryAcquires = ImmutableArray.Create(new TryAcquireContract(SuccessWhen.True, ImmutableArray.Create(This), shared: false)) };
                case "Exit":
                    return new MethodContract { Releases = ImmutableArray.Create(This) };
                case "EnterScope":
                    return new MethodContract { Acquires = ImmutableArray.Create(This), BuiltIn = BuiltInBehavior.ReturnsScopeOfReceiver };
                default:
                    return null;
            }
        }

        private static MethodContract? Spin(IMethodSymbol m)
        {
            switch (m.Name)
            {
                case "Enter":
                    return new MethodContract { Acquires = ImmutableArray.Create(This), BuiltIn = BuiltInBehavior.AcquireSetsTakenTrue };
                case "Exit":
                    return new MethodContract { Releases = ImmutableArray.Create(This) };
                default:
                    return null;
            }
        }

        private static MethodContract? ReaderWriter(IMethodSymbol m)
        {
            var self = ImmutableArray.Create(This);
            switch (m.Name)
            {
                case "EnterReadLock":
                case "EnterUpgradeableReadLock":
                    return new MethodContract { AcquiresShared = self };
                case "ExitReadLock":
                case "ExitUpgradeableReadLock":
                    return new MethodContract { ReleasesShared = self };
                case "EnterWriteLock":
                    return new MethodContract { Acquires = self };
                case "ExitWriteLock":
                    return new MethodContract { Releases = self };
                case "TryEnterReadLock":
                case "TryEnterUpgradeableReadLock":
                    return new MethodContract { TryAcquires = ImmutableArray.Create(new TryAcquireContract(SuccessWhen.True, self, shared: true)) };
                case "TryEnterWriteLock":
                    return new MethodContract { TryAcquires = ImmutableArray.Create(new TryAcquireContract(SuccessWhen.True, self, shared: false)) };
                default:
                    return null;
            }
        }

        private static bool Same(ITypeSymbol? a, ITypeSymbol? b) =>
            a is not null && b is not null && SymbolEqualityComparer.Default.Equals(a.OriginalDefinition, b);
    }
}
