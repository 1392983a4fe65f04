namespace PtLock.Analyzers.Tests;

/// <summary>Lock types used by the test snippets, annotated like Clang's mutex.h example.</summary>
internal static class Prelude
{
    public const string Mutex = """
        using System;
        using System.Threading;
        using PtLock.Contracts;

        [Capability("mutex", Sleeps = true)]
        public sealed class Mutex
        {
            [Acquires("this")] public void Lock() { }
            [AcquiresShared("this")] public void ReaderLock() { }
            [Releases("this")] public void Unlock() { }
            [ReleasesShared("this")] public void ReaderUnlock() { }
            [TryAcquires(Success.True, "this")] public bool TryLock() => true;
            [AssertHeld("this")] public void AssertHeld() { }
        }

        [Capability("spinlock")]
        public sealed class Spin
        {
            [Acquires("this")] public void Lock() { }
            [Releases("this")] public void Unlock() { }
        }

        [Capability("rcu", Reentrant = true)]
        public sealed class Rcu
        {
            public static readonly Rcu Global = new Rcu();
            [Acquires("Rcu.Global")] public static void ReadLock() { }
            [Releases("Rcu.Global")] public static void ReadUnlock() { }
        }

        [ScopedCapability]
        public readonly struct MutexGuard : IDisposable
        {
            private readonly Mutex _mu;
            public MutexGuard(Mutex mu) { _mu = mu; }
            [Releases("this")] public void Dispose() { _mu.Unlock(); }
        }

        public static class Guards
        {
            [Acquires("mu")] public static MutexGuard Hold(Mutex mu) { mu.Lock(); return new MutexGuard(mu); }
        }

        """;
}
