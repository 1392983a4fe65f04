using System;
using Microsoft.CodeAnalysis;

namespace PtLock.Analyzers.Engine
{
    /// <summary>
    /// The identity of a lock at one program point: a canonical symbolic path ("this._gate", "p:mm.MmapLock",
    /// "PmdLockptr(p:mm,l:pmd@120)", "s:Rcu.Global") plus what is known about its kind. Two expressions name
    /// the same lock exactly when their canonical ids are equal.
    /// </summary>
    internal sealed class LockKey : IEquatable<LockKey>
    {
        public LockKey(string id, string display, CapabilityInfo capability, ISymbol? symbol)
        {
            Id = id;
            Display = display;
            Capability = capability;
            Symbol = symbol;
        }

        public string Id { get; }

        /// <summary>The lock expression as the user wrote it, for messages.</summary>
        public string Display { get; }

        public CapabilityInfo Capability { get; }

        /// <summary>The field, property or static member naming the lock, for ordering attributes.</summary>
        public ISymbol? Symbol { get; }

        /// <summary>An id that matches nothing else: a value the analysis cannot name.</summary>
        public bool IsUnknown => Id.StartsWith("?", StringComparison.Ordinal);

        public bool Equals(LockKey? other) => other is not null && other.Id == Id;
        public override bool Equals(object? obj) => obj is LockKey k && Equals(k);
        public override int GetHashCode() => Id.GetHashCode();
        public override string ToString() => Display;
    }
}
