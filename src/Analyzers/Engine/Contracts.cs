using System.Collections.Immutable;

namespace PtLock.Analyzers.Engine
{
    /// <summary>Which result of a try-acquire means the locks were taken (mirrors PtLock.Contracts.Success).</summary>
    internal enum SuccessWhen
    {
        True = 0,
        False = 1,
        NonNull = 2,
    }

    internal readonly struct TryAcquireContract
    {
        public TryAcquireContract(SuccessWhen when, ImmutableArray<LockExpr> locks, bool shared)
        {
            When = when;
            Locks = locks;
            Shared = shared;
        }

        public SuccessWhen When { get; }
        public ImmutableArray<LockExpr> Locks { get; }
        public bool Shared { get; }
    }

    /// <summary>Special behaviours of framework lock methods that attributes cannot express.</summary>
    internal enum BuiltInBehavior
    {
        None,
        /// <summary>Monitor.Enter(obj, ref taken) / SpinLock.Enter(ref taken): acquires, and sets the bool to true.</summary>
        AcquireSetsTakenTrue,
        /// <summary>Lock.EnterScope(): the returned scope releases the lock when disposed.</summary>
        ReturnsScopeOfReceiver,
    }

    /// <summary>Everything the analysis knows about one method's locking and mm behaviour.</summary>
    internal sealed class MethodContract
    {
        public static readonly MethodContract Empty = new MethodContract();

        public ImmutableArray<LockExpr> Requires { get; set; } = ImmutableArray<LockExpr>.Empty;
        public ImmutableArray<LockExpr> RequiresShared { get; set; } = ImmutableArray<LockExpr>.Empty;
        public ImmutableArray<LockExpr> Excludes { get; set; } = ImmutableArray<LockExpr>.Empty;
        public ImmutableArray<LockExpr> Acquires { get; set; } = ImmutableArray<LockExpr>.Empty;
        public ImmutableArray<LockExpr> AcquiresShared { get; set; } = ImmutableArray<LockExpr>.Empty;
        public ImmutableArray<LockExpr> Releases { get; set; } = ImmutableArray<LockExpr>.Empty;
        public ImmutableArray<LockExpr> ReleasesShared { get; set; } = ImmutableArray<LockExpr>.Empty;
        public ImmutableArray<LockExpr> AssertHeld { get; set; } = ImmutableArray<LockExpr>.Empty;
        public ImmutableArray<TryAcquireContract> TryAcquires { get; set; } = ImmutableArray<TryAcquireContract>.Empty;
        public LockExpr? ReturnsCapability { get; set; }

        /// <summary>out parameters declared [ReturnsCapability]: the lock each delivers, by parameter name.</summary>
        public ImmutableDictionary<string, LockExpr> OutCapabilities { get; set; } = ImmutableDictionary<string, LockExpr>.Empty;

        /// <summary>Parameters declared [LocklessSnapshot]: what they deliver is a lockless snapshot.</summary>
        public ImmutableHashSet<string> SnapshotParameters { get; set; } = ImmutableHashSet<string>.Empty;
        public BuiltInBehavior BuiltIn { get; set; }

        /// <summary>[Acquires(…, Nested = true)]: a declared nested acquisition (spin_lock_nested).</summary>
        public bool AcquiresNested { get; set; }

        public bool NoLockAnalysis { get; set; }
        public bool Fallible { get; set; }
        public bool MapsPte { get; set; }
        public bool MapsPteReadOnly { get; set; }
        public bool MapsPteNeedsRevalidation { get; set; }
        public bool LocklessSnapshot { get; set; }
        public bool MaySleep { get; set; }
        public string? UnmapsPte { get; set; }
        public string? EntryWrite { get; set; }

        /// <summary>[RequiresStable]: the lock under which the named entry must have been rechecked.</summary>
        public LockExpr? RequiresStableLock { get; set; }
        public string? RecheckLevel { get; set; }
        /// <summary>The recheck result that means "unchanged"; null when the recheck counts whatever it returns.</summary>
        public bool? RecheckUnchangedWhen { get; set; }
        public string? FreesTableNow { get; set; }

        /// <summary>[PublishedTable] on the method: its result is a table a PMD points (or pointed) to.</summary>
        public bool ReturnsPublishedTable { get; set; }

        /// <summary>[PublishedTable] parameters: the call installs these tables.</summary>
        public ImmutableHashSet<string> PublishesParameters { get; set; } = ImmutableHashSet<string>.Empty;
        public string? FreesTableDeferred { get; set; }

        /// <summary>[ValidWhileHeld]: the result is valid only while one of these (sleeping) locks is held.</summary>
        public ImmutableArray<LockExpr> ValidWhileHeld { get; set; } = ImmutableArray<LockExpr>.Empty;

        /// <summary>True when the method changes or needs lock state (worth a dataflow transfer).</summary>
        public bool AffectsLocks =>
            !Requires.IsEmpty || !RequiresShared.IsEmpty || !Excludes.IsEmpty || !Acquires.IsEmpty || !AcquiresShared.IsEmpty
            || !Releases.IsEmpty || !ReleasesShared.IsEmpty || !AssertHeld.IsEmpty || !TryAcquires.IsEmpty
            || ReturnsCapability is not null || !OutCapabilities.IsEmpty || BuiltIn != BuiltInBehavior.None || MaySleep
            || RequiresStableLock is not null;

        public bool IsEmpty => !AffectsLocks && !Fallible && !MapsPte && !LocklessSnapshot && UnmapsPte is null
                               && EntryWrite is null && RecheckLevel is null && FreesTableNow is null && FreesTableDeferred is null
                               && !ReturnsPublishedTable && PublishesParameters.IsEmpty && ValidWhileHeld.IsEmpty;
    }

    /// <summary>[Capability] facts of a lock type.</summary>
    internal sealed class CapabilityInfo
    {
        public CapabilityInfo(string kind, bool sleeps, bool reentrant, int rank)
        {
            Kind = kind;
            Sleeps = sleeps;
            Reentrant = reentrant;
            Rank = rank;
        }

        public string Kind { get; }
        public bool Sleeps { get; }
        public bool Reentrant { get; }
        public int Rank { get; }

        public static readonly CapabilityInfo Unknown = new CapabilityInfo("lock", sleeps: false, reentrant: false, rank: 0);
    }

    /// <summary>[GuardedBy]/[PtGuardedBy] on a field or property.</summary>
    internal sealed class GuardInfo
    {
        public GuardInfo(ImmutableArray<LockExpr> guardedBy, ImmutableArray<LockExpr> ptGuardedBy)
        {
            GuardedBy = guardedBy;
            PtGuardedBy = ptGuardedBy;
        }

        public ImmutableArray<LockExpr> GuardedBy { get; }
        public ImmutableArray<LockExpr> PtGuardedBy { get; }
        public bool IsEmpty => GuardedBy.IsEmpty && PtGuardedBy.IsEmpty;
    }
}
