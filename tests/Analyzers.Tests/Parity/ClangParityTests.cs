using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests.Parity;

/// <summary>
/// Cases mirroring the categories of Clang's warn-thread-safety-analysis.cpp, each stating the Clang
/// behaviour it mirrors. Expected diagnostics are marked {|PTLxxxx:…|}; unmarked code must stay silent.
/// </summary>
public class ClangParityTests
{
    private static Task Verify(string members) => AllRulesVerifier.VerifyAsync(Prelude.Mutex + """
        class C
        {
            Mutex mu = new Mutex();
            Mutex mu2 = new Mutex();
            Spin spin = new Spin();
            [GuardedBy(nameof(mu))] int a;
            [PtGuardedBy(nameof(mu))] int[] arr = new int[4];
            bool flag;

        """ + members + "\n}\n");

    // ---- 1. basic lock/unlock balance (sls_fun_*) ----

    [Fact] // sls_fun_good_1: lock then unlock: no warning
    public Task LockUnlock() => Verify("void M() { mu.Lock(); a = 1; mu.Unlock(); }");

    [Fact] // sls_fun_bad_1: "releasing mutex 'mu' that was not held"
    public Task UnlockWithoutLock() => Verify("void M() { {|PTL1004:mu.Unlock()|}; }");

    [Fact] // sls_fun_bad_2: "acquiring mutex 'mu' that is already held"
    public Task LockTwice() => Verify("void M() { mu.Lock(); {|PTL1003:mu.Lock()|}; mu.Unlock(); }");

    [Fact] // sls_fun_bad_3: "mutex 'mu' is still held at the end of function"
    public Task LockWithoutUnlock() => Verify("void M() { mu.Lock(); {|PTL1005:}|}");

    [Fact] // early return: the lock leaks on the returning path
    public Task EarlyReturnLeaks() => Verify("""
        void M()
        {
            mu.Lock();
            if (flag)
                {|PTL1005:return;|}
            mu.Unlock();
        }
        """);

    // ---- branches and joins (sls_fun_bad_4..7) ----

    [Fact] // "mutex 'mu' is not held on every path through here"
    public Task LockOnOneBranch() => Verify("""
        void M()
        {
            if (flag)
                mu.Lock();
            {|PTL1006:a = 1;|}
            mu.Unlock();
        }
        """);

    [Fact] // lock in both branches: consistent at the join
    public Task LockOnBothBranches() => Verify("""
        void M()
        {
            if (flag) { mu.Lock(); } else { mu.Lock(); }
            a = 1;
            mu.Unlock();
        }
        """);

    [Fact] // conditionally held locks are not supported by Clang either: warns at the join
    public Task ConditionalLockAndUnlock() => Verify("""
        void M(bool b)
        {
            if (b) mu.Lock();
            {|PTL1006:flag = true;|}
            if (b) mu.Unlock();
        }
        """);

    [Fact] // switch: each case balances
    public Task SwitchCasesBalance() => Verify("""
        void M(int k)
        {
            switch (k)
            {
                case 1: mu.Lock(); a = 1; mu.Unlock(); break;
                case 2: mu.Lock(); a = 2; mu.Unlock(); break;
                default: break;
            }
        }
        """);

    [Fact] // goto to a shared unlock
    public Task GotoToUnlock() => Verify("""
        void M()
        {
            mu.Lock();
            if (flag) goto done;
            a = 1;
        done:
            mu.Unlock();
        }
        """);

    [Fact] // TestThrowExpr: throwing paths are not checked for leaks
    public Task ThrowWhileHolding() => Verify("""
        void M()
        {
            mu.Lock();
            if (flag) throw new InvalidOperationException();
            mu.Unlock();
        }
        """);

    [Fact] // try/finally releases on every normal path
    public Task TryFinallyUnlock() => Verify("""
        int M()
        {
            mu.Lock();
            try
            {
                if (flag) return 1;
                a = 2;
                return a;
            }
            finally
            {
                mu.Unlock();
            }
        }
        """);

    // ---- loops ----

    [Fact] // lock and unlock inside the loop body
    public Task LoopBodyBalances() => Verify("void M() { for (int i = 0; i < 3; i++) { mu.Lock(); a = i; mu.Unlock(); } }");

    [Fact] // "expecting mutex 'mu' to be held at start of each loop"
    public Task UnlockInsideLoop() => Verify("""
        void M()
        {
            mu.Lock();
            while ({|PTL1006:flag|})
            {
                mu.Unlock();
            }
        }
        """);

    // ---- try-lock (TryLockTest, TrylockJoinPoint) ----

    [Fact]
    public Task TryLockInCondition() => Verify("void M() { if (mu.TryLock()) { a = 1; mu.Unlock(); } }");

    [Fact]
    public Task TryLockNegatedEarlyReturn() => Verify("void M() { if (!mu.TryLock()) return; a = 1; mu.Unlock(); }");

    [Fact]
    public Task TryLockStoredInBool() => Verify("void M() { bool ok = mu.TryLock(); if (ok) { a = 1; mu.Unlock(); } }");

    [Fact] // the failed edge holds nothing: using the data there is reported
    public Task TryLockFailedEdge() => Verify("void M() { if (!mu.TryLock()) { {|PTL1002:a|} = 1; return; } mu.Unlock(); }");

    [Fact] // a non-null result means acquired (the kernel's pte_offset_map_lock shape)
    public Task TryAcquireNonNull() => Verify("""
        [TryAcquires(Success.NonNull, "mu")] object? Grab() => null;
        void M()
        {
            var o = Grab();
            if (o == null)
                return;
            a = 1;
            mu.Unlock();
        }
        """);

    [Fact] // pattern forms of the null check
    public Task TryAcquireNonNullPattern() => Verify("""
        [TryAcquires(Success.NonNull, "mu")] object? Grab() => null;
        void M()
        {
            if (Grab() is not { } o)
                return;
            a = 1;
            mu.Unlock();
        }
        """);

    // ---- guarded data (gb_*, PtGuardedByTest) ----

    [Fact] // "reading variable 'a' requires holding mutex 'mu'"
    public Task GuardedRead() => Verify("int M() => {|PTL1002:a|};");

    [Fact] // "writing variable 'a' requires holding mutex 'mu' exclusively"
    public Task GuardedWriteUnderShared() => Verify("void M() { mu.ReaderLock(); {|PTL1002:a|} = 1; mu.ReaderUnlock(); }");

    [Fact]
    public Task GuardedReadUnderShared() => Verify("int M() { mu.ReaderLock(); int v = a; mu.ReaderUnlock(); return v; }");

    [Fact] // pt_guarded_by: the pointee needs the lock, the pointer does not
    public Task PtGuardedPointee() => Verify("""
        void M()
        {
            {|PTL1002:arr|}[0] = 1;
            arr = new int[2];
            mu.Lock();
            arr[1] = 2;
            mu.Unlock();
        }
        """);

    [Fact] // compound assignment and increment write
    public Task GuardedIncrement() => Verify("void M() { {|PTL1002:a|}++; {|PTL1002:a|} += 2; }");

    // ---- function contracts (es_fun_*, FunctionAttrTest) ----

    [Fact] // "calling function 'NeedsMu' requires holding mutex 'mu' exclusively"
    public Task RequiresNotHeld() => Verify("""
        [Requires(nameof(mu))] void NeedsMu() { a = 1; }
        void M() { {|PTL1001:NeedsMu()|}; }
        """);

    [Fact]
    public Task RequiresHeld() => Verify("""
        [Requires(nameof(mu))] void NeedsMu() { a = 1; }
        void M() { mu.Lock(); NeedsMu(); mu.Unlock(); }
        """);

    [Fact] // shared requirement met by an exclusive hold
    public Task RequiresSharedHeldExclusive() => Verify("""
        [RequiresShared(nameof(mu))] int ReadsA() => a;
        int M() { mu.Lock(); int v = ReadsA(); mu.Unlock(); return v; }
        """);

    [Fact] // exclusive requirement not met by a shared hold
    public Task RequiresExclusiveHeldShared() => Verify("""
        [Requires(nameof(mu))] void WritesA() { a = 1; }
        void M() { mu.ReaderLock(); {|PTL1001:WritesA()|}; mu.ReaderUnlock(); }
        """);

    [Fact] // "cannot call function 'TakesMu' while mutex 'mu' is held"
    public Task ExcludesHeld() => Verify("""
        [Excludes(nameof(mu))] void TakesMu() { mu.Lock(); mu.Unlock(); }
        void M() { mu.Lock(); {|PTL1008:TakesMu()|}; mu.Unlock(); }
        """);

    [Fact] // an [Acquires] method returns holding the lock; its callers hold it after the call
    public Task AcquiresContract() => Verify("""
        [Acquires(nameof(mu))] void LockIt() { mu.Lock(); }
        [Releases(nameof(mu))] void UnlockIt() { mu.Unlock(); }
        void M() { LockIt(); a = 1; UnlockIt(); }
        """);

    [Fact] // "expecting mutex 'mu' to be held at the end of function"
    public Task AcquiresContractBroken() => Verify("""
        [Acquires(nameof(mu))] void LockIt() { {|PTL1005:}|}
        """);

    [Fact] // a [Releases] method must release
    public Task ReleasesContractBroken() => Verify("""
        [Releases(nameof(mu))] void UnlockIt() { a = 1; {|PTL1005:}|}
        """);

    [Fact] // [Requires] methods see the lock held in their own body
    public Task RequiresBody() => Verify("""
        [Requires(nameof(mu))] void NeedsMu() { a = a + 1; }
        """);

    // ---- aliasing, lock expressions, returned locks (MoreLockExpressions, LockReturned) ----

    [Fact] // a copy names the same lock
    public Task AliasThroughLocal() => Verify("void M() { var m = mu; m.Lock(); a = 1; mu.Unlock(); }");

    [Fact] // RETURN_CAPABILITY: the getter's result is the lock it names
    public Task ReturnedLock() => Verify("""
        [ReturnsCapability(nameof(mu))] Mutex GetMu() => mu;
        void M() { GetMu().Lock(); a = 1; mu.Unlock(); }
        """);

    [Fact] // another instance's lock does not guard this instance's data
    public Task WrongInstance() => Verify("""
        void M(C other) { other.mu.Lock(); {|PTL1002:a|} = 1; other.mu.Unlock(); }
        """);

    [Fact] // the right instance, through a parameter
    public Task OtherInstanceGuarded() => Verify("""
        void M(C other) { other.mu.Lock(); other.a = 1; other.mu.Unlock(); }
        """);

    // ---- scoped capabilities ----

    [Fact]
    public Task ScopedGuard() => Verify("""
        void M()
        {
            using (Guards.Hold(mu))
            {
                a = 1;
            }
            {|PTL1002:a|} = 2;
        }
        """);

    [Fact] // using declaration: released at the end of the scope
    public Task ScopedGuardDeclaration() => Verify("""
        void M()
        {
            using var g = Guards.Hold(mu);
            a = 1;
        }
        """);

    // ---- assertions ----

    [Fact] // ASSERT_CAPABILITY: assumed held after the call
    public Task AssertHeld() => Verify("void M() { mu.AssertHeld(); a = 1; }");

    // ---- ordering (AcquiredBeforeAfterText) ----

    [Fact] // "mutex 'mu' must be acquired before 'mu2'"
    public Task AcquiredBeforeViolated() => AllRulesVerifier.VerifyAsync(Prelude.Mutex + """
        class D
        {
            [AcquiredBefore(nameof(second))] Mutex first = new Mutex();
            Mutex second = new Mutex();
            void Good() { first.Lock(); second.Lock(); second.Unlock(); first.Unlock(); }
            void Bad() { second.Lock(); {|PTL1007:first.Lock()|}; first.Unlock(); second.Unlock(); }
        }
        """);

    [Fact] // ranks on lock types give a global order
    public Task RankViolated() => AllRulesVerifier.VerifyAsync(Prelude.Mutex + """
        [Capability("outer", Rank = 10)] sealed class Outer { [Acquires("this")] public void Lock() { } [Releases("this")] public void Unlock() { } }
        [Capability("inner", Rank = 20)] sealed class Inner { [Acquires("this")] public void Lock() { } [Releases("this")] public void Unlock() { } }
        class D
        {
            Outer o = new Outer();
            Inner i = new Inner();
            void Good() { o.Lock(); i.Lock(); i.Unlock(); o.Unlock(); }
            void Bad() { i.Lock(); {|PTL1007:o.Lock()|}; o.Unlock(); i.Unlock(); }
        }
        """);

    // ---- sleeping locks and reentrancy ----

    [Fact] // kernel rule: no sleeping lock under a spinlock
    public Task SleepingUnderSpin() => Verify("void M() { spin.Lock(); {|PTL1009:mu.Lock()|}; mu.Unlock(); spin.Unlock(); }");

    [Fact] // nor inside an RCU read section
    public Task SleepingInsideRcu() => Verify("void M() { Rcu.ReadLock(); {|PTL1009:mu.Lock()|}; mu.Unlock(); Rcu.ReadUnlock(); }");

    [Fact] // REENTRANT_CAPABILITY: RCU sections nest
    public Task RcuNests() => Verify("void M() { Rcu.ReadLock(); Rcu.ReadLock(); Rcu.ReadUnlock(); Rcu.ReadUnlock(); }");

    [Fact] // "... is not held on every path through here with equal reentrancy depth"
    public Task RcuDepthDiffersAtJoin() => Verify("""
        void M()
        {
            Rcu.ReadLock();
            if (flag) Rcu.ReadLock();
            {|PTL1006:a = 0;|}
            Rcu.ReadUnlock();
        }
        """.Replace("a = 0;", "flag = false;").Replace("{|PTL1006:flag = false;|}", "{|PTL1006:flag = false;|}"));

    // ---- lambdas, local functions, escape hatches ----

    [Fact] // ThreadAttributesOnLambdas: a lambda is its own function
    public Task LambdaAnalysedOnItsOwn() => Verify("""
        void M()
        {
            Action f = () => { mu.Lock(); {|PTL1005:}|};
            mu.Lock();
            mu.Unlock();
            f();
        }
        """);

    [Fact] // a local function with its own contract
    public Task LocalFunctionContract() => Verify("""
        void M()
        {
            [Requires(nameof(mu))] void Inner() { a = 1; }
            {|PTL1001:Inner()|};
            mu.Lock();
            Inner();
            mu.Unlock();
        }
        """);

    [Fact] // NO_THREAD_SAFETY_ANALYSIS
    public Task NoLockAnalysis() => Verify("""
        [NoLockAnalysis("hand-over-hand locking the analysis cannot follow")]
        void M() { mu.Lock(); a = 1; }
        """);
}
