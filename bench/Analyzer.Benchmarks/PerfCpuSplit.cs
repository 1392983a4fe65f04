using System.Text.RegularExpressions;

namespace PtLock.Benchmarks.Analyzers;

/// <summary>
/// Splits the CPU samples of a <c>perf record -g</c> run of <c>csc</c> (read from <c>perf script</c> output) by what the
/// process was doing: the runtime's GC and tiered-JIT threads, and on the worker threads PtLock's phases (pre-filter
/// and name index, contract model, binding, control-flow graphs, the engine, JIT of code PtLock runs) apart from the
/// compiler's own work. Unlike an EventPipe sample, a perf sample is CPU time only, so waits and GC suspensions are not
/// charged to whatever a thread was doing. Roslyn's precompiled frames have no names here; PtLock's jitted frames do
/// (DOTNET_PerfMapEnabled=1, DOTNET_EnableWriteXorExecute=0), so a sample is charged by its innermost PtLock frame and
/// the module it called into.
/// </summary>
internal static partial class PerfCpuSplit
{
    /// <summary>
    /// What PtLock's samples (those with a PtLock frame) spend inclusively, per build: the Roslyn entry points it calls and
    /// its own parts. A sample counts once for each of them on its stack, so the rows overlap; the first row is all of them.
    /// </summary>
    private static readonly (string Name, string Member)[] s_inclusive =
    {
        ("any PtLock frame", "PtLock."),
        ("Roslyn: ControlFlowGraph.Create", "ControlFlowGraph::CreateCore"),
        ("Roslyn: SemanticModel.GetOperation", "SemanticModel::GetOperationWorker"),
        ("  of which the operation map walk", "OperationMapBuilder"),
        ("Roslyn: SemanticModel.GetDeclaredSymbol", "SemanticModel::GetDeclaredSymbolCore"),
        ("PtLock: the dataflow (LockFlowAnalysis.Run)", "LockFlowAnalysis::Run"),
        ("PtLock: the operation walk (NeedsAnalysis)", "LockEngine::NeedsAnalysis"),
        ("PtLock: the syntax pre-filter", "LockEngine::PassesSyntaxPreFilter"),
        ("PtLock: the name index", "InterestingNameIndex::"),
        ("PtLock: the contract model", "ContractModel::"),
    };

    public static void Report(string scriptPath, int samplesPerSecond, int builds = 1)
    {
        if (!File.Exists(scriptPath))
        {
            Console.Error.WriteLine($"no perf script output at '{scriptPath}' (docs/benchmarks.md, session 5, says how to record one)");
            return;
        }
        var seconds = new Dictionary<string, int>();
        var inclusive = new int[s_inclusive.Length];
        string? thread = null;
        var frames = new List<(string Symbol, string Module)>();
        void Flush()
        {
            if (thread is null)
                return;
            string phase = Classify(thread, frames);
            seconds[phase] = seconds.GetValueOrDefault(phase) + 1;
            // Only PtLock's samples: the driver calls the same Roslyn entry points for itself.
            if (frames.Any(f => f.Symbol.Contains("PtLock.", StringComparison.Ordinal)))
                for (int i = 0; i < s_inclusive.Length; i++)
                    if (frames.Any(f => f.Symbol.Contains(s_inclusive[i].Member, StringComparison.Ordinal)))
                        inclusive[i]++;
            frames.Clear();
        }
        foreach (var line in File.ReadLines(scriptPath))
        {
            if (line.Length == 0)
                continue;
            if (line[0] is not (' ' or '\t'))
            {
                Flush();
                thread = SampleHeader().Replace(line, "");
                continue;
            }
            var frame = Frame().Match(line);
            if (frame.Success)
                frames.Add((frame.Groups[1].Value, frame.Groups[2].Value));
        }
        Flush();
        int total = seconds.Values.Sum();
        if (total == 0)
        {
            Console.WriteLine("no samples");
            return;
        }
        foreach (var (phase, count) in seconds.OrderBy(p => p.Key, StringComparer.Ordinal))
            Console.WriteLine($"{(double)count / samplesPerSecond,7:F2} s  {phase}");
        Console.WriteLine($"{(double)total / samplesPerSecond,7:F2} s  total CPU");
        Console.WriteLine();
        Console.WriteLine($"inclusive, per build ({builds} build{(builds == 1 ? "" : "s")} in the recording):");
        for (int i = 0; i < s_inclusive.Length; i++)
            Console.WriteLine($"{1000.0 * inclusive[i] / samplesPerSecond / builds,8:F1} ms  {s_inclusive[i].Name}");
    }

    private static string Classify(string thread, List<(string Symbol, string Module)> frames)
    {
        if (thread.Contains("Server GC", StringComparison.Ordinal) || thread.Contains("BGC", StringComparison.Ordinal))
            return "runtime: GC threads";
        if (thread.Contains("Tiered Com", StringComparison.Ordinal))
            return "runtime: tiered JIT thread";
        // Frames come leaf first: the innermost PtLock frame says which phase, the frames below it what it called.
        int own = frames.FindIndex(f => f.Symbol.Contains("PtLock", StringComparison.Ordinal));
        if (own < 0)
            return frames.Any(f => f.Module.Contains("libclrjit", StringComparison.Ordinal)) ? "compiler: JIT on worker threads" : "compiler: the rest (compile, emit, driver)";
        if (frames.Take(own).Any(f => f.Module.Contains("libclrjit", StringComparison.Ordinal)))
            return "PtLock: JIT of code it runs";
        string symbol = Member(frames[own].Symbol);
        // Roslyn's precompiled code runs from its DLLs; in a warm compiler server its hot methods are rejitted and
        // their frames come from the perf map, named with their declaring assembly.
        string callee = own > 0 ? CalleeAssembly(frames[own - 1]) : "";
        if (ContainsAny(symbol, "LockFlowAnalysis", "LockState", "SmallMap", "HeldLock", "LockKey"))
            return "PtLock: engine (its code and the Roslyn APIs it calls)";
        if (symbol.Contains("AnalyzeBody", StringComparison.Ordinal))
            return callee.EndsWith("Microsoft.CodeAnalysis.dll", StringComparison.Ordinal) || own > 0 && ContainsAny(Member(frames[own - 1].Symbol), "::GetOperation", "ControlFlowGraph")
                ? "PtLock: IOperation and control-flow graph" : "PtLock: binding and symbols";
        if (ContainsAny(symbol, "PassesSyntaxPreFilter", "MentionsLocking", "NameTextScan", "InterestingNameIndex", "NeedsAnalysis", "AffectsAnalysis"))
            return "PtLock: pre-filter and name index";
        if (symbol.Contains("ContractModel", StringComparison.Ordinal))
            return "PtLock: contract model";
        return "PtLock: the rest (callbacks, reporting)";
    }

    /// <summary>"Type::Method" of a jitted frame (its signature's parameter types would match other phases' names).</summary>
    private static string Member(string symbol)
    {
        int open = symbol.IndexOf('(');
        string head = open < 0 ? symbol : symbol[..open];
        int space = head.LastIndexOf(' ');
        return space < 0 ? head : head[(space + 1)..];
    }

    private static string CalleeAssembly((string Symbol, string Module) frame)
    {
        if (frame.Module.EndsWith(".dll", StringComparison.Ordinal))
            return Path.GetFileName(frame.Module);
        var declaring = DeclaringAssembly().Match(frame.Symbol);
        return declaring.Success ? declaring.Groups[1].Value + ".dll" : frame.Module;
    }

    [GeneratedRegex(@"\[([\w\.]+)\] [^\s\(]+::")]
    private static partial Regex DeclaringAssembly();

    private static bool ContainsAny(string text, params string[] parts) => parts.Any(p => text.Contains(p, StringComparison.Ordinal));

    [GeneratedRegex(@"\s+\d+\s+\d+\.\d+:.*$")]
    private static partial Regex SampleHeader();

    [GeneratedRegex(@"^\s+[0-9a-f]+\s+(.*)\s+\((.*)\)$")]
    private static partial Regex Frame();
}
