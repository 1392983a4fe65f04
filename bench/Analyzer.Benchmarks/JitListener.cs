using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace PtLock.Benchmarks.Analyzers;

/// <summary>
/// Counts the methods the runtime compiles, by declaring type's namespace, from the runtime's own JIT events
/// (which code a young process pays to compile for PtLock, next to what the floor makes it compile); with
/// <c>allocations</c>, instead the sampled allocation volume by type (one event per ~100 KB allocated).
/// </summary>
internal sealed class JitListener(bool allocations) : EventListener
{
    private const EventKeywords JitKeyword = (EventKeywords)0x10;
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const int MethodLoadVerboseEventId = 143;
    private const int AllocationTickEventId = 10;

    public ConcurrentDictionary<string, int> ByType { get; } = new();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Verbose, allocations ? GcKeyword : JitKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.PayloadNames is null)
            return;
        if (e.EventId == AllocationTickEventId)
        {
            int typeIndex = e.PayloadNames.IndexOf("TypeName");
            if (typeIndex >= 0 && e.Payload?[typeIndex] is string allocated)
                ByType.AddOrUpdate(allocated, 1, (_, n) => n + 1);
            return;
        }
        if (e.EventId != MethodLoadVerboseEventId)
            return;
        int index = e.PayloadNames.IndexOf("MethodNamespace");
        if (index >= 0 && e.Payload?[index] is string type)
            ByType.AddOrUpdate(type, 1, (_, n) => n + 1);
    }
}
