namespace PtLock.Scheduling;

/// <summary>
/// The threads that run the scenario threads of successive schedules. Starting two threads per schedule would
/// cost more than a small schedule itself; a pooled thread clears its per-thread kernel state (lockdep's held
/// locks, its RCU nesting) before each job, since an abandoned schedule may have left it mid-section.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private sealed class PooledThread
    {
        public readonly SemaphoreSlim Ready = new(0);
        public Action? Job;
        public volatile bool Busy;
    }

    private readonly PooledThread[] _threads;
    private volatile bool _disposed;

    public WorkerPool(int size)
    {
        _threads = new PooledThread[size];
        for (int i = 0; i < size; i++)
        {
            var slot = _threads[i] = new PooledThread();
            new Thread(() => Loop(slot)) { IsBackground = true, Name = $"explorer worker {i}" }.Start();
        }
    }

    /// <summary>
    /// Wait until every thread finished its job (a finished schedule's threads are still returning from it); false
    /// when one is stuck (blocked outside the runtime): then use a new pool.
    /// </summary>
    public bool WaitIdle(TimeSpan timeout) => !_disposed && SpinWait.SpinUntil(() => _threads.All(t => !t.Busy), timeout);

    public int Size => _threads.Length;

    public void Start(int index, Action job)
    {
        var slot = _threads[index];
        if (slot.Busy)
            throw new InvalidOperationException($"explorer worker {index} is still running a previous schedule");
        slot.Busy = true;
        slot.Job = job;
        slot.Ready.Release();
    }

    private void Loop(PooledThread slot)
    {
        while (true)
        {
            slot.Ready.Wait();
            if (_disposed)
                return;
            LockDep.ResetThread();
            Rcu.ResetCurrentThread();
            try { slot.Job!(); }
            finally
            {
                // Also after the job: a thread abandoned inside an RCU read section would stall every grace
                // period (other explorations', tests') until its next job.
                LockDep.ResetThread();
                Rcu.ResetCurrentThread();
                slot.Job = null;
                slot.Busy = false;
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var t in _threads)
            t.Ready.Release();
    }
}
