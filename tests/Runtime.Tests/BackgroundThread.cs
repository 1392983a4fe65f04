namespace PtLock.Runtime.Tests;

/// <summary>A dedicated thread (the runtime's locks and RCU sections belong to threads, not tasks).</summary>
internal sealed class BackgroundThread
{
    private readonly Thread _thread;
    private Exception? _failure;

    private BackgroundThread(Action body)
    {
        _thread = new Thread(() =>
        {
            try { body(); }
            catch (Exception e) { _failure = e; }
        }) { IsBackground = true };
        _thread.Start();
    }

    public static BackgroundThread Start(Action body) => new(body);

    /// <summary>Wait up to <paramref name="milliseconds"/>; rethrows what the thread threw.</summary>
    public bool Join(int milliseconds)
    {
        if (!_thread.Join(milliseconds))
            return false;
        if (_failure is not null)
            throw new InvalidOperationException("background thread failed", _failure);
        return true;
    }
}
