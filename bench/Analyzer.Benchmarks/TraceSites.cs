using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace PtLock.Benchmarks.Analyzers;

/// <summary>
/// Reads a trace of a real <c>csc</c> run (dotnet-trace, EventPipe format) and says where its allocation and its JIT
/// time went. Allocation: the runtime's sampled allocation events (one per ~100 KB) with their stacks, charged to the
/// innermost PtLock method on the stack and the type allocated, so an allocation can be traced to the line that makes
/// it (the in-process <see cref="JitListener"/> only sees types). JIT: the time between a method's jitting-started and
/// loaded events, by code owner (PtLock, Roslyn, the rest) and optimization tier.
/// </summary>
internal static class TraceSites
{
    private const string Owner = "PtLock";

    public static void Report(string tracePath, int top)
    {
        if (!File.Exists(tracePath))
        {
            Console.Error.WriteLine($"no trace at '{tracePath}': record one with dotnet-trace (docs/benchmarks.md, session 5)");
            return;
        }
        ReportAllocations(tracePath, top);
        ReportJit(tracePath);
    }

    private static void ReportAllocations(string tracePath, int top)
    {
        using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(tracePath));
        var bySite = new Dictionary<string, long>();
        var byMethod = new Dictionary<string, long>();
        long total = 0, underOwner = 0;
        foreach (var data in log.Events)
        {
            if (data is not GCAllocationTickTraceData tick)
                continue;
            total += tick.AllocationAmount64;
            string? innermost = null, callee = null;
            var charged = new HashSet<string>();
            for (var frame = data.CallStack(); frame is not null; frame = frame.Caller)
            {
                string name = MethodName(frame.CodeAddress.FullMethodName);
                if (!name.StartsWith(Owner, StringComparison.Ordinal))
                {
                    if (innermost is null)
                        callee = name;
                    continue;
                }
                innermost ??= name;
                if (charged.Add(name))
                    byMethod[name] = byMethod.GetValueOrDefault(name) + tick.AllocationAmount64;
            }
            if (innermost is null)
                continue;
            underOwner += tick.AllocationAmount64;
            string site = $"{innermost} [{tick.TypeName}]" + (callee is null ? "" : $" via {callee}");
            bySite[site] = bySite.GetValueOrDefault(site) + tick.AllocationAmount64;
        }
        if (total == 0)
        {
            Console.WriteLine("no allocation events: record with --providers Microsoft-Windows-DotNETRuntime:0x1:5");
            return;
        }
        Console.WriteLine($"allocated {Mb(total)} MB in the process (sampled), {Mb(underOwner)} MB with {Owner} code on the stack");
        Console.WriteLine($"by innermost {Owner} method [type allocated] and the method it called:");
        foreach (var (site, bytes) in bySite.OrderByDescending(p => p.Value).Take(top))
            Console.WriteLine($"  {Mb(bytes),7} {site}");
        Console.WriteLine($"inclusive, by {Owner} method:");
        foreach (var (method, bytes) in byMethod.OrderByDescending(p => p.Value).Take(top))
            Console.WriteLine($"  {Mb(bytes),7} {method}");
    }

    private static void ReportJit(string tracePath)
    {
        using var source = new EventPipeEventSource(tracePath);
        var started = new Dictionary<(int Thread, long Method), double>();
        var byOwnerAndTier = new Dictionary<string, (double Ms, int Methods)>();
        source.Clr.MethodJittingStarted += e => started[(e.ThreadID, e.MethodID)] = e.TimeStampRelativeMSec;
        source.Clr.MethodLoadVerbose += e =>
        {
            if (!started.Remove((e.ThreadID, e.MethodID), out double start))
                return;
            string owner = e.MethodNamespace.StartsWith(Owner, StringComparison.Ordinal) ? Owner
                : e.MethodNamespace.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) ? "Roslyn" : "other";
            string key = $"{owner} {e.OptimizationTier}";
            var (ms, methods) = byOwnerAndTier.GetValueOrDefault(key);
            byOwnerAndTier[key] = (ms + e.TimeStampRelativeMSec - start, methods + 1);
        };
        source.Process();
        if (byOwnerAndTier.Count == 0)
        {
            Console.WriteLine("no JIT events: record with --providers Microsoft-Windows-DotNETRuntime:0x10:5");
            return;
        }
        Console.WriteLine("JIT time by code owner and tier:");
        foreach (var (key, (ms, methods)) in byOwnerAndTier.OrderByDescending(p => p.Value.Ms))
            Console.WriteLine($"  {ms,7:F0} ms {methods,6} methods  {key}");
    }

    /// <summary>"Ns.Type.Method(args)" without its argument list, which only lengthens the report.</summary>
    private static string MethodName(string? full)
    {
        if (string.IsNullOrEmpty(full))
            return "?";
        int paren = full.IndexOf('(');
        return paren > 0 ? full[..paren] : full;
    }

    private static string Mb(long bytes) => (bytes / 1e6).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
}
