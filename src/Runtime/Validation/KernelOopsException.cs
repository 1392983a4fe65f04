namespace PtLock;

/// <summary>
/// Raw mode's stand-in for a crash: the code touched memory that is no longer what it thought (a spinlock
/// inside a page that was freed and reused as data). Checked mode reports the first stale use instead.
/// </summary>
public sealed class KernelOopsException : Exception
{
    public KernelOopsException(string message) : base("kernel oops: " + message) { }
}
