using System.Diagnostics;
using System.Reflection;
using PtLock.Contracts;

namespace PtLock.Scheduling;

/// <summary>
/// One schedule of a scenario: its threads are real threads, but only one runs at a time. Each scheduling point
/// of the running thread (every lock, RCU and entry access of the runtime) asks the strategy which thread runs
/// next; a thread that is spinning for a lock or a grace period counts as blocked until another thread makes
/// progress. A thread that is not chosen waits on its own semaphore.
/// </summary>
internal sealed class ControlledRun
{
    /// <summary>Consecutive blocked steps, with nobody else able to run, before the schedule is a deadlock.</summary>
    private const int NoProgressLimit = 200;

    private readonly Scenario _scenario;
    private readonly SchedulingStrategy _strategy;
    private readonly ExplorationOptions _options;
    private readonly bool _log;
    private readonly Worker[] _workers;
    private readonly object _gate = new();
    private readonly List<int> _choices = new();
    private readonly List<TraceStep> _trace = new();
    private readonly ManualResetEventSlim _done = new();
    private readonly List<int> _runnable = new(ExplorationLimits.MaxThreads);
    private int _steps;
    private int _noProgress;
    private int _finished;
    private volatile bool _aborted;
    private ExplorationException? _explorerError;
    private (FailureKind Kind, string Message, string? RuleId, string? Thread, Exception? Exception)? _failure;

    private readonly WorkerPool _pool;

    private ControlledRun(Scenario scenario, SchedulingStrategy strategy, ExplorationOptions options, bool log, WorkerPool pool)
    {
        _pool = pool;
        _scenario = scenario;
        _strategy = strategy;
        _options = options;
        _log = log;
        _workers = new Worker[scenario.Threads.Count];
        for (int i = 0; i < _workers.Length; i++)
            _workers[i] = new Worker(this, i, scenario.Threads[i].Name);
    }

    internal sealed record Outcome(IReadOnlyList<int> Choices, int Steps, IReadOnlyList<TraceStep> Log,
        (FailureKind Kind, string Message, string? RuleId, string? Thread, Exception? Exception)? Failure);

    public static Outcome Execute(Scenario scenario, SchedulingStrategy strategy, ExplorationOptions options, bool log, WorkerPool pool)
    {
        var run = new ControlledRun(scenario, strategy, options, log, pool);
        return run.Run();
    }

    private Outcome Run()
    {
        var state = _scenario.Setup();
        for (int i = 0; i < _workers.Length; i++)
        {
            var worker = _workers[i];
            var body = _scenario.Threads[i].Body;
            _pool.Start(i, () => worker.Main(body, state));
        }
        lock (_gate)
        {
            _runnable.Clear();
            for (int i = 0; i < _workers.Length; i++)
                _runnable.Add(i);
            _workers[Pick(-1)].Go.Release();
        }
        WaitForTheThreads();
        if (_explorerError is not null)
            throw _explorerError; // the trace or the scenario is at fault, not the schedule
        if (_failure is null && _scenario.Check is { } check)
        {
            try { check(state); }
            catch (Exception e)
            {
                _failure = (FailureKind.InvariantViolated, e.Message, (e as PtLockViolationException)?.RuleId, null, e);
            }
        }
        return new Outcome(_choices.ToArray(), _steps, _trace.ToArray(), _failure);
    }

    private void WaitForTheThreads()
    {
        int lastSteps = -1;
        while (!_done.Wait(_options.StepTimeout))
        {
            int steps = Volatile.Read(ref _steps);
            if (steps != lastSteps)
            {
                lastSteps = steps;
                continue;
            }
            lock (_gate)
                Fail(FailureKind.UncontrolledBlocking,
                    $"no scheduling point for {_options.StepTimeout.TotalSeconds:0.#} s: a thread blocked outside the runtime's locks (a Monitor, a Task.Wait, I/O)",
                    null, null, null);
            break;
        }
        // After an abandoned schedule, give the threads time to unwind; a thread blocked for good leaves the pool unhealthy.
        _done.Wait(_options.StepTimeout);
    }

    /// <summary>The strategy's pick among <see cref="_runnable"/>; a real choice only when there are two or more.</summary>
    private int Pick(int current)
    {
        if (_runnable.Count == 1)
            return _runnable[0];
        int chosen = _strategy.Choose(_runnable, current, _steps);
        _choices.Add(chosen);
        return chosen;
    }

    private void OnPoint(Worker worker, SchedPointKind kind, object? subject)
    {
        if (_aborted)
            throw new ExplorationAbortedException();
        Worker? next;
        lock (_gate)
        {
            int step = ++_steps;
            if (_log)
                _trace.Add(new TraceStep(step, worker.Name, Describe(kind, subject), KernelCallOnStack()));
            bool spinning = kind is SchedPointKind.LockSpin or SchedPointKind.RcuSynchronize;
            if (spinning)
            {
                worker.Blocked = true;
                worker.BlockedOn = subject?.ToString() ?? (kind == SchedPointKind.RcuSynchronize ? "an RCU grace period" : "a lock");
                _noProgress++;
                // Bounded in steps only, so that the verdict is the same in every run: a grace-period wait gives way
                // at scheduling points only for readers the explorer controls (Rcu.WaitForReadersBefore), so a
                // waiter that everyone else leaves blocked is waiting for one of them.
                if (_noProgress > NoProgressLimit && _workers.All(w => w.Finished || w.Blocked))
                {
                    Fail(FailureKind.Deadlock, "deadlock: " + string.Join("; ", _workers.Where(w => !w.Finished).Select(w => $"{w.Name} waits for {w.BlockedOn}")),
                        null, worker.Name, null);
                    throw new ExplorationAbortedException();
                }
            }
            else
            {
                foreach (var w in _workers)
                    w.Blocked = false;
                _noProgress = 0;
            }
            if (step > _options.MaxSteps)
            {
                Fail(FailureKind.Livelock, $"the schedule did not finish within {_options.MaxSteps} scheduling points", null, worker.Name, null);
                throw new ExplorationAbortedException();
            }
            CollectRunnable();
            try { next = _workers[Pick(worker.Index)]; }
            catch (ExplorationException e)
            {
                _explorerError ??= e;
                Fail(FailureKind.ThreadException, e.Message, null, worker.Name, e);
                throw new ExplorationAbortedException();
            }
            if (next == worker)
                return;
            next.Go.Release();
        }
        worker.Go.Wait();
        if (_aborted)
            throw new ExplorationAbortedException();
    }

    private void OnFinished(Worker worker, Exception? error)
    {
        lock (_gate)
        {
            worker.Finished = true;
            _finished++;
            if (error is not null and not ExplorationAbortedException && !_aborted)
                Fail(FailureKind.ThreadException, error.Message, (error as PtLockViolationException)?.RuleId, worker.Name, error);
            if (_finished == _workers.Length)
            {
                _done.Set();
                return;
            }
            if (_aborted)
                return;
            foreach (var w in _workers)
                w.Blocked = false; // what it released may let them go on
            _noProgress = 0;
            CollectRunnable();
            try { _workers[Pick(-1)].Go.Release(); }
            catch (ExplorationException e)
            {
                _explorerError ??= e;
                Fail(FailureKind.ThreadException, e.Message, null, worker.Name, e);
            }
        }
    }

    /// <summary>Live threads that are not blocked; when all are, every live thread (they spin until the limit).</summary>
    private void CollectRunnable()
    {
        _runnable.Clear();
        foreach (var w in _workers)
            if (!w.Finished && !w.Blocked)
                _runnable.Add(w.Index);
        if (_runnable.Count == 0)
            foreach (var w in _workers)
                if (!w.Finished)
                    _runnable.Add(w.Index);
    }

    /// <summary>Record the first failure and wake every waiting thread so that it unwinds.</summary>
    private void Fail(FailureKind kind, string message, string? ruleId, string? thread, Exception? exception)
    {
        _failure ??= (kind, message, ruleId, thread, exception);
        if (_aborted)
            return;
        _aborted = true;
        foreach (var w in _workers)
            if (!w.Finished)
                w.Go.Release();
    }

    private static string Describe(SchedPointKind kind, object? subject)
    {
        string what = kind switch
        {
            SchedPointKind.LockAcquire => "lock",
            SchedPointKind.LockRelease => "unlock",
            SchedPointKind.LockSpin => "spin on",
            SchedPointKind.RcuReadLock => "rcu_read_lock",
            SchedPointKind.RcuReadUnlock => "rcu_read_unlock",
            SchedPointKind.RcuSynchronize => "wait for an RCU grace period",
            SchedPointKind.EntryRead => "read",
            SchedPointKind.EntryWrite => "write",
            SchedPointKind.TableAlloc => "allocate a page table",
            SchedPointKind.TableFree => "free",
            _ => kind.ToString(),
        };
        return subject is null ? what : $"{what} {subject}";
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<MethodBase, string?> s_kernelNames = new();

    /// <summary>The innermost runtime method on the stack that models a kernel function, for the readable log.</summary>
    private static string? KernelCallOnStack()
    {
        var frames = new StackTrace(2, false).GetFrames();
        foreach (var frame in frames)
        {
            if (frame.GetMethod() is not { } method)
                continue;
            var name = s_kernelNames.GetOrAdd(method, static m => m.GetCustomAttribute<KernelAttribute>() is { } k
                && m.DeclaringType?.Namespace == "PtLock" && m.DeclaringType != typeof(Spinlock) && m.DeclaringType != typeof(RwSemaphore) && m.DeclaringType != typeof(Rcu)
                ? k.Name : null);
            if (name is not null)
                return name;
        }
        return null;
    }

    private sealed class Worker(ControlledRun run, int index, string name) : ISchedulingHook
    {
        public int Index { get; } = index;
        public string Name { get; } = name;
        public SemaphoreSlim Go { get; } = new(0);
        public bool Finished { get; set; }
        public bool Blocked { get; set; }
        public string? BlockedOn { get; set; }

        public void OnPoint(SchedPointKind kind, object? subject) => run.OnPoint(this, kind, subject);

        public void Main(Action<object> body, object state)
        {
            Exception? error = null;
            using (SchedPoint.Attach(this))
            {
                Go.Wait();
                if (!run._aborted)
                {
                    try { body(state); }
                    catch (Exception e) { error = e; }
                }
            }
            run.OnFinished(this, error);
        }
    }
}
