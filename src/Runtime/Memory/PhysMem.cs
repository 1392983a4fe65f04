namespace PtLock;

/// <summary>
/// The machine's finite pool of page frames. Freed frames go on a LIFO free list, so the frame freed
/// last is the one handed out next: reuse, and the bugs it exposes, happen at once rather than by luck.
/// </summary>
public sealed class PhysMem
{
    private readonly PageFrame[] _frames;
    private readonly ulong[] _freeStack;
    private int _freeTop;
    private readonly object _gate = new();

    internal PhysMem(Machine machine, int frameCount)
    {
        if (frameCount < 16)
            throw new ArgumentOutOfRangeException(nameof(frameCount), frameCount, "a machine needs at least 16 frames");
        Machine = machine;
        _frames = new PageFrame[frameCount];
        _freeStack = new ulong[frameCount];
        for (int i = 0; i < frameCount; i++)
            _frames[i] = new PageFrame(this, (ulong)i);
        // pfn 0 stays reserved; push the rest so that pfn 1 is handed out first.
        for (int i = frameCount - 1; i >= 1; i--)
            _freeStack[_freeTop++] = (ulong)i;
    }

    public Machine Machine { get; }
    public int TotalFrames => _frames.Length;

    public int FreeFrames
    {
        get { lock (_gate) return _freeTop; }
    }

    /// <summary>pfn_to_page. Out-of-range pfns are the caller's bug and get a clear exception.</summary>
    public PageFrame FrameOf(ulong pfn)
    {
        if (pfn >= (ulong)_frames.Length)
            throw new ArgumentOutOfRangeException(nameof(pfn), pfn, $"pfn beyond the machine's {_frames.Length} frames");
        return _frames[pfn];
    }

    internal bool TryFrameOf(ulong pfn, out PageFrame frame)
    {
        if (pfn < (ulong)_frames.Length)
        {
            frame = _frames[pfn];
            return true;
        }
        frame = _frames[0];
        return false;
    }

    /// <summary>
    /// alloc_page: null when the pool is exhausted, after giving pending RCU frees a chance (waiting for a
    /// grace period only where sleeping is allowed, as GFP_KERNEL reclaim would).
    /// </summary>
    internal PageFrame? Alloc(FrameKind kind)
    {
        for (int attempt = 0; ; attempt++)
        {
            lock (_gate)
            {
                if (_freeTop > 0)
                {
                    var frame = _frames[_freeStack[--_freeTop]];
                    frame.BumpGeneration();
                    frame.Kind = kind;
                    return frame;
                }
            }
            if (attempt == 0)
                Rcu.ProcessReadyCallbacks();
            else if (attempt == 1 && Rcu.CanSleepHere())
                Rcu.Barrier();
            else
                return null;
        }
    }

    /// <summary>
    /// alloc_pages(order): <paramref name="count"/> consecutive free frames starting at a multiple of
    /// <paramref name="count"/> (a power of two), or null when no such run is free. O(frames): large folios are
    /// rare in the simulator and the free list is a stack, not a buddy allocator.
    /// </summary>
    internal PageFrame[]? AllocContiguous(int count, FrameKind kind)
    {
        if (count < 1 || (count & (count - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(count), count, "a power of two");
        lock (_gate)
        {
            for (int start = count; start + count <= _frames.Length; start += count)
            {
                bool free = true;
                for (int i = start; i < start + count && free; i++)
                    free = _frames[i].Kind == FrameKind.Free;
                if (!free)
                    continue;
                // Take the run out of the free stack, keeping the order of the rest.
                int kept = 0;
                for (int i = 0; i < _freeTop; i++)
                    if (_freeStack[i] < (ulong)start || _freeStack[i] >= (ulong)(start + count))
                        _freeStack[kept++] = _freeStack[i];
                _freeTop = kept;
                var run = new PageFrame[count];
                for (int i = 0; i < count; i++)
                {
                    var frame = _frames[start + i];
                    frame.BumpGeneration();
                    frame.Kind = kind;
                    run[i] = frame;
                }
                return run;
            }
            return null;
        }
    }

    internal void Free(PageFrame frame, string freedBy)
    {
        lock (_gate)
        {
            if (frame.Kind is FrameKind.Free or FrameKind.Reserved)
                throw new PtLockViolationException(RuleIds.StaleFrame,
                    $"double free of {frame.Describe()} by {freedBy}");
            frame.LastKind = frame.Kind;
            frame.LastWasSharedHugetlbPmd = frame.Kind == FrameKind.PmdTable && frame.EverShared;
            frame.FreedBy = freedBy;
            frame.Kind = FrameKind.Free;
            frame.BumpGeneration();
            frame.Folio = null;
            frame.Content = 0;
            _freeStack[_freeTop++] = frame.Pfn;
        }
    }

    internal IEnumerable<PageFrame> AllFrames => _frames;
}
