using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace PtLock.Analyzers.Engine
{
    /// <summary>
    /// C#'s own locks as capabilities: the <c>lock</c> statement (lowered to Monitor.Enter(obj, ref taken) or
    /// Lock.EnterScope()), Monitor, System.Threading.Lock, SpinLock and ReaderWriterLockSlim.
    /// </summary>
    internal static class BuiltInLocks
    {
        private static readonly LockExpr This = LockExprParser.Parse("this")!;
        private static readonly LockExpr Obj = LockExprParser.Parse("obj")!;

        /// <summary>The framework lock types, told apart by name: resolving them per compilation
        /// (GetTypeByMetadataName searches every reference) costs an IDE a millisecond or two per keystroke.</summary>
        private enum FrameworkLock
        {
            None,
            Monitor,
            Lock,
            LockScope,
            SpinLock,
            ReaderWriterLockSlim,
        }

        [MethodImpl(JitOptions.Optimized)]
        private static FrameworkLock KindOf(ITypeSymbol? type)
        {
            if (type?.OriginalDefinition is not INamedTypeSymbol { Arity: 0 } named)
                return FrameworkLock.None;
            if (named.ContainingType is { } outer)
                return named.Name == "Scope" && outer.Name == "Lock" && outer.ContainingType is null && InSystemThreading(outer) ? FrameworkLock.LockScope : FrameworkLock.None;
            if (!InSystemThreading(named))
                return FrameworkLock.None;
            switch (named.Name)
            {
                case "Monitor": return FrameworkLock.Monitor;
                case "Lock": return FrameworkLock.Lock;
                case "SpinLock": return FrameworkLock.SpinLock;
                case "ReaderWriterLockSlim": return FrameworkLock.ReaderWriterLockSlim;
                default: return FrameworkLock.None;
            }
        }

        [MethodImpl(JitOptions.Optimized)]
        private static bool InSystemThreading(INamedTypeSymbol type) =>
            type.ContainingNamespace is { Name: "Threading" } threading
            && threading.ContainingNamespace is { Name: "System" } system
            && system.ContainingNamespace is { IsGlobalNamespace: true };

        public static readonly CapabilityInfo MonitorCapability = new CapabilityInfo("monitor", sleeps: true, reentrant: true, rank: 0);
        private static readonly CapabilityInfo LockCapability = new CapabilityInfo("lock", sleeps: true, reentrant: true, rank: 0);
        private static readonly CapabilityInfo SpinCapability = new CapabilityInfo("spinlock", sleeps: false, reentrant: false, rank: 0);
        private static readonly CapabilityInfo RwCapability = new CapabilityInfo("rwlock", sleeps: true, reentrant: false, rank: 0);

        [MethodImpl(JitOptions.Optimized)]
        public static CapabilityInfo? CapabilityOf(ITypeSymbol type)
        {
            switch (KindOf(type))
            {
                case FrameworkLock.Lock: return LockCapability;
                case FrameworkLock.SpinLock: return SpinCapability;
                case FrameworkLock.ReaderWriterLockSlim: return RwCapability;
                default: return null;
            }
        }

        [MethodImpl(JitOptions.Optimized)]
        public static bool IsScope(ITypeSymbol type) => KindOf(type) == FrameworkLock.LockScope;

        [MethodImpl(JitOptions.Optimized)]
        public static MethodContract? TryGet(IMethodSymbol method)
        {
            switch (KindOf(method.ContainingType))
            {
                case FrameworkLock.Monitor: return Monitor(method);
                case FrameworkLock.Lock: return Lock(method);
                case FrameworkLock.LockScope: return method.Name == "Dispose" ? new MethodContract { Releases = ImmutableArray.Create(This) } : null;
                case FrameworkLock.SpinLock: return Spin(method);
                case FrameworkLock.ReaderWriterLockSlim: return ReaderWriter(method);
                default: return null;
            }
        }

        [MethodImpl(JitOptions.Optimized)]
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

        [MethodImpl(JitOptions.Optimized)]
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

        [MethodImpl(JitOptions.Optimized)]
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

        [MethodImpl(JitOptions.Optimized)]
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
    }
}
