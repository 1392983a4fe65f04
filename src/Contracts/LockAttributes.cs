using System;

namespace PtLock.Contracts
{
    // Lock contracts with the semantics of Clang's thread-safety attributes. A lock expression is a
    // string in C# member-access syntax resolved from the annotated member: a parameter ("ptl", also an
    // out parameter), "this", a field or property, a dotted path ("vmf.Ptl"), a static member
    // ("Rcu.Global"), "return", or a call of a [ReturnsCapability] method over such names
    // ("PmdLockptr(mm, pmd)").

    /// <summary>Marks a type whose instances are locks (capabilities).</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface, Inherited = true)]
    public sealed class CapabilityAttribute : Attribute
    {
        /// <param name="kind">What kind of lock: "spinlock", "rwsem", "mutex", "rcu", …</param>
        public CapabilityAttribute(string kind) => Kind = kind;

        /// <summary>The lock kind, used in messages and for the sleeping/spinning distinction.</summary>
        public string Kind { get; }

        /// <summary>Acquiring may block the thread (may not be taken under a spinning lock or in RCU).</summary>
        public bool Sleeps { get; set; }

        /// <summary>The lock nests with itself, keeping a depth (RCU read sections).</summary>
        public bool Reentrant { get; set; }

        /// <summary>Global order: a lock of lower rank is taken before one of higher rank. 0 = unranked.</summary>
        public int Rank { get; set; }
    }

    /// <summary>Reads need <c>lock</c> held shared, writes need it exclusive.</summary>
    [AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = true)]
    public sealed class GuardedByAttribute : Attribute
    {
        public GuardedByAttribute(string @lock) => Lock = @lock;
        public string Lock { get; }
    }

    /// <summary>What the reference points to is guarded by <c>lock</c> (the reference itself is not).</summary>
    [AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = true)]
    public sealed class PtGuardedByAttribute : Attribute
    {
        public PtGuardedByAttribute(string @lock) => Lock = @lock;
        public string Lock { get; }
    }

    /// <summary>The caller must hold every listed lock exclusively.</summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property, AllowMultiple = true)]
    public sealed class RequiresAttribute : Attribute
    {
        public RequiresAttribute(params string[] locks) => Locks = locks;
        public string[] Locks { get; }
    }

    /// <summary>The caller must hold every listed lock at least shared.</summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property, AllowMultiple = true)]
    public sealed class RequiresSharedAttribute : Attribute
    {
        public RequiresSharedAttribute(params string[] locks) => Locks = locks;
        public string[] Locks { get; }
    }

    /// <summary>The caller must not hold any listed lock (the callee takes it).</summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor, AllowMultiple = true)]
    public sealed class ExcludesAttribute : Attribute
    {
        public ExcludesAttribute(params string[] locks) => Locks = locks;
        public string[] Locks { get; }
    }

    /// <summary>The listed locks are held exclusively after the call ("return": the lock returned).</summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor, AllowMultiple = true)]
    public sealed class AcquiresAttribute : Attribute
    {
        public AcquiresAttribute(params string[] locks) => Locks = locks;
        public string[] Locks { get; }

        /// <summary>A nested acquisition (spin_lock_nested): a second lock of the same class, declared so.</summary>
        public bool Nested { get; set; }
    }

    /// <summary>The listed locks are held shared after the call.</summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor, AllowMultiple = true)]
    public sealed class AcquiresSharedAttribute : Attribute
    {
        public AcquiresSharedAttribute(params string[] locks) => Locks = locks;
        public string[] Locks { get; }
    }

    /// <summary>The listed locks (held exclusively) are no longer held after the call.</summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class ReleasesAttribute : Attribute
    {
        public ReleasesAttribute(params string[] locks) => Locks = locks;
        public string[] Locks { get; }
    }

    /// <summary>The listed locks (held shared) are no longer held after the call.</summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class ReleasesSharedAttribute : Attribute
    {
        public ReleasesSharedAttribute(params string[] locks) => Locks = locks;
        public string[] Locks { get; }
    }

    /// <summary>Which result of a try-acquire means the locks were taken.</summary>
    public enum Success
    {
        /// <summary>The method returned <c>true</c>.</summary>
        True,
        /// <summary>The method returned <c>false</c>.</summary>
        False,
        /// <summary>The method returned a non-null reference.</summary>
        NonNull,
    }

    /// <summary>Acquires the listed locks exclusively only when the result is <see cref="Success"/>.</summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class TryAcquiresAttribute : Attribute
    {
        public TryAcquiresAttribute(Success success, params string[] locks)
        {
            When = success;
            Locks = locks;
        }

        public Success When { get; }
        public string[] Locks { get; }
    }

    /// <summary>Acquires the listed locks shared only when the result is <see cref="Success"/>.</summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class TryAcquiresSharedAttribute : Attribute
    {
        public TryAcquiresSharedAttribute(Success success, params string[] locks)
        {
            When = success;
            Locks = locks;
        }

        public Success When { get; }
        public string[] Locks { get; }
    }

    /// <summary>After the call the analysis may assume the locks held (lockdep_assert_held).</summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class AssertHeldAttribute : Attribute
    {
        public AssertHeldAttribute(params string[] locks) => Locks = locks;
        public string[] Locks { get; }
    }

    /// <summary>
    /// The result is the lock named by <c>lock</c> (a lock expression over the parameters). On an <c>out</c>
    /// parameter: the value delivered there is that lock ("return" then names the method's result).
    /// </summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Parameter)]
    public sealed class ReturnsCapabilityAttribute : Attribute
    {
        public ReturnsCapabilityAttribute(string @lock) => Lock = @lock;
        public string Lock { get; }
    }

    /// <summary>A guard type: its construction (or the factory returning it) acquires, Dispose releases.</summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct)]
    public sealed class ScopedCapabilityAttribute : Attribute
    {
    }

    /// <summary>This lock is taken before the listed ones.</summary>
    [AttributeUsage(AttributeTargets.Field | AttributeTargets.Property | AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true)]
    public sealed class AcquiredBeforeAttribute : Attribute
    {
        public AcquiredBeforeAttribute(params string[] locks) => Locks = locks;
        public string[] Locks { get; }
    }

    /// <summary>This lock is taken after the listed ones.</summary>
    [AttributeUsage(AttributeTargets.Field | AttributeTargets.Property | AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true)]
    public sealed class AcquiredAfterAttribute : Attribute
    {
        public AcquiredAfterAttribute(params string[] locks) => Locks = locks;
        public string[] Locks { get; }
    }

    /// <summary>The analysis skips this body. Say why in <see cref="Justification"/>.</summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property)]
    public sealed class NoLockAnalysisAttribute : Attribute
    {
        public NoLockAnalysisAttribute(string justification) => Justification = justification;
        public string Justification { get; }
    }
}
