using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests.Parity;

/// <summary>C#'s own locks as capabilities: [GuardedBy]/[Requires] on ordinary C# code.</summary>
public class BuiltInLockTests
{
    private const string Header = """
        using System;
        using System.Threading;
        using PtLock.Contracts;

        """;

    [Fact]
    public Task LockStatementGuardsTheField() => AllRulesVerifier.VerifyAsync(Header + """
        class Counter
        {
            private readonly object _gate = new object();
            [GuardedBy(nameof(_gate))] private int _count;
            public void Add() { lock (_gate) { _count++; } }
            public int Peek() => {|PTL1002:_count|};
            public int EarlyReturnInsideLock() { lock (_gate) { if (_count > 3) return 1; _count = 0; } return 0; }
        }
        """);

    [Fact]
    public Task MonitorWithTryFinally() => AllRulesVerifier.VerifyAsync(Header + """
        class Counter
        {
            private readonly object _gate = new object();
            [GuardedBy(nameof(_gate))] private int _count;
            public void Add()
            {
                Monitor.Enter(_gate);
                try { _count++; }
                finally { Monitor.Exit(_gate); }
            }
            public void Leak()
            {
                Monitor.Enter(_gate);
                _count++;
            {|PTL1005:}|}
            public void WaitWithoutLock() { {|PTL1001:Monitor.Wait(_gate)|}; }
        }
        """);

    [Fact]
    public Task TryEnterIsATryLock() => AllRulesVerifier.VerifyAsync(Header + """
        class Counter
        {
            private readonly object _gate = new object();
            [GuardedBy(nameof(_gate))] private int _count;
            public void Add()
            {
                if (!Monitor.TryEnter(_gate))
                    return;
                _count++;
                Monitor.Exit(_gate);
            }
        }
        """);

    [Fact]
    public Task ReaderWriterLockSlimModes() => AllRulesVerifier.VerifyAsync(Header + """
        class Table
        {
            private readonly ReaderWriterLockSlim _rw = new ReaderWriterLockSlim();
            [GuardedBy(nameof(_rw))] private int _size;
            public int Read() { _rw.EnterReadLock(); try { return _size; } finally { _rw.ExitReadLock(); } }
            public void WrongMode() { _rw.EnterReadLock(); {|PTL1002:_size|} = 1; _rw.ExitReadLock(); }
            public void Write() { _rw.EnterWriteLock(); _size = 2; _rw.ExitWriteLock(); }
        }
        """);

    [Fact]
    public Task SpinLockWithTakenFlag() => AllRulesVerifier.VerifyAsync(Header + """
        class Table
        {
            private SpinLock _spin = new SpinLock(false);
            private readonly object _gate = new object();
            [GuardedBy(nameof(_spin))] private int _size;
            public void Write()
            {
                bool taken = false;
                try
                {
                    _spin.Enter(ref taken);
                    _size++;
                }
                finally
                {
                    if (taken) _spin.Exit();
                }
            }
            public void SleepsUnderSpin()
            {
                bool taken = false;
                _spin.Enter(ref taken);
                {|PTL1009:Monitor.Enter(_gate)|};
                Monitor.Exit(_gate);
                _spin.Exit();
            }
        }
        """);

    [Fact]
    public Task SystemThreadingLock() => AllRulesVerifier.VerifyNet9Async(Header + """
        class Table
        {
            private readonly Lock _lock = new Lock();
            [GuardedBy(nameof(_lock))] private int _size;
            public void LockStatement() { lock (_lock) { _size++; } }
            public void Scope() { using (_lock.EnterScope()) { _size++; } {|PTL1002:_size|}++; }
            public void EnterExit() { _lock.Enter(); _size++; _lock.Exit(); }
        }
        """);
}
