using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PtLock.Analyzers.Rules;
using PtLock.Benchmarks.Analyzers;

// Analyzer overhead harness: for each corpus size, compile (parse + bind + emit diagnostics) with and without
// the PtLock analyzers and report analyzer time as a share of compile time, plus per-document analysis time.
// Usage: dotnet run -c Release --project bench/Analyzer.Benchmarks -- [lines ...]
if (args.Length == 3 && args[0] == "write")
{
    // Write a corpus into a project folder, to build it with -p:ReportAnalyzer=true.
    Directory.CreateDirectory(args[2]);
    foreach (var (name, text) in CorpusGenerator.Generate(int.Parse(args[1])))
        File.WriteAllText(Path.Combine(args[2], name), text);
    return;
}
if (args.Length >= 2 && args[0] == "sites")
{
    // Where a traced csc run allocated (by PtLock call site) and what its JIT compiled (docs/benchmarks.md, session 5).
    TraceSites.Report(args[1], args.Length > 2 && int.TryParse(args[2], out int top) ? top : 40);
    return;
}
if (args.Length >= 2 && args[0] == "cpu")
{
    // Where a csc run's CPU went, from perf samples (docs/benchmarks.md, sessions 5 and 7); the sampling rate defaults to
    // 499 Hz; a recording of the compiler server across several builds gives their number to report per build.
    PerfCpuSplit.Report(args[1], args.Length > 2 && int.TryParse(args[2], out int hz) ? hz : 499, args.Length > 3 && int.TryParse(args[3], out int builds) && builds > 0 ? builds : 1);
    return;
}
bool profileOnly = args.Length > 0 && args[0] == "profile";
var sizes = profileOnly || (args.Length > 0 && args[0] is "floor" or "cold" or "engine" or "csc-rounds") ? Array.Empty<int>() : args.Length > 0 ? args.Select(int.Parse).ToArray() : new[] { 10_000, 100_000, 300_000 };
var analyzers = typeof(LockRuleAnalyzer).Assembly.GetTypes()
    .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
    .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
    // ONLY=PTLxxxx measures one rule analyzer (with the shared engine) instead of all of them.
    .Where(a => Environment.GetEnvironmentVariable("ONLY") is not { Length: > 0 } only || a.SupportedDiagnostics.Any(d => d.Id == only))
    .ToImmutableArray();
var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
    .Where(p => Path.GetFileName(p).StartsWith("System", StringComparison.Ordinal) || Path.GetFileName(p) == "netstandard.dll")
    .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
    .Append(MetadataReference.CreateFromFile(typeof(PtLock.Ptl).Assembly.Location))
    .Append(MetadataReference.CreateFromFile(typeof(PtLock.Contracts.RequiresAttribute).Assembly.Location))
    .ToImmutableArray();

if (args.Length > 0 && args[0] == "csc-rounds")
{
    // Real csc runs of a build's response files, alternating, as pairwise differences from the first (CscRounds.cs).
    CscRounds.Run(args.Skip(1).ToArray());
    return;
}
if (args.Length > 0 && args[0] == "engine")
{
    // The dataflow alone on graphs built once: µs and bytes a body in steady state (ROUNDS rounds, default 20).
    EngineOnly.Run(references, args.Length > 1 ? int.Parse(args[1]) : 100_000, int.TryParse(Environment.GetEnvironmentVariable("ROUNDS"), out int engineRounds) ? engineRounds : 20);
    return;
}
if (args.Length > 0 && args[0] == "cold")
{
    // A fresh process, as a build without the compiler server is: how much of the first analyses is JIT and
    // tier-up rather than analysis. Three rounds on fresh compilations; FLOORCOLD=1 runs the floor instead.
    var files0 = CorpusGenerator.Generate(100_000);
    CSharpCompilation Make() => CSharpCompilation.Create("Corpus", files0.Select(f => CSharpSyntaxTree.ParseText(f.Text, new CSharpParseOptions(LanguageVersion.Latest), f.Name)), references,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    var c0 = Make();
    var sw0 = Stopwatch.StartNew();
    c0.GetDiagnostics();
    Console.WriteLine($"compile (cold compiler) {sw0.ElapsedMilliseconds} ms");
    sw0.Restart();
    var r0 = PtLock.Analyzers.Engine.LockEngine.For(c0);
    Console.WriteLine($"LockEngine.For {sw0.ElapsedMilliseconds} ms");
    sw0.Restart();
    _ = r0.InterestingNames;
    Console.WriteLine($"InterestingNames {sw0.ElapsedMilliseconds} ms");
    using var jitListener = Environment.GetEnvironmentVariable("JITLIST") is "1" or "alloc" ? new JitListener(Environment.GetEnvironmentVariable("JITLIST") == "alloc") : null;
    for (int round = 0; round < 3; round++)
    {
        jitListener?.ByType.Clear();
        var c1 = Make();
        c1.GetDiagnostics();
        var set = Environment.GetEnvironmentVariable("FLOORCOLD") == "1" ? ImmutableArray.Create<DiagnosticAnalyzer>(new FloorGraphAnalyzer()) : analyzers;
        // Where a young process's time goes: JIT, GC pauses and allocation volume during the round.
        var jit0 = System.Runtime.JitInfo.GetCompilationTime();
        long methods0 = System.Runtime.JitInfo.GetCompiledMethodCount();
        var pause0 = GC.GetTotalPauseDuration();
        long bytes0 = GC.GetTotalAllocatedBytes(precise: true);
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        sw0.Restart();
        var res = c1.WithAnalyzers(set).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        Console.WriteLine($"analysis round {round}: {sw0.ElapsedMilliseconds} ms ({res.Length} diagnostics); " +
            $"JIT {(System.Runtime.JitInfo.GetCompilationTime() - jit0).TotalMilliseconds:F0} ms for {System.Runtime.JitInfo.GetCompiledMethodCount() - methods0} methods, " +
            $"GC pauses {(GC.GetTotalPauseDuration() - pause0).TotalMilliseconds:F0} ms ({GC.CollectionCount(0) - gen0} gen0, {GC.CollectionCount(2) - gen2} gen2), " +
            $"allocated {(GC.GetTotalAllocatedBytes(precise: true) - bytes0) / 1_000_000} MB");
        if (jitListener is not null)
        {
            // The compiled methods by declaring type, and the PtLock share, for the JIT column above.
            var byType = jitListener.ByType.ToArray();
            Console.WriteLine($"  PtLock types: {byType.Where(p => p.Key.Contains("PtLock", StringComparison.Ordinal)).Sum(p => p.Value)} methods");
            foreach (var (type, count) in byType.Where(p => Environment.GetEnvironmentVariable("JITFILTER") is not { Length: > 0 } f || p.Key.Contains(f, StringComparison.Ordinal)).OrderByDescending(p => p.Value).Take(400))
                Console.WriteLine($"  {count,6} {(type.Length > 150 ? type[..150] : type)}");
        }
    }
    return;
}
if (args.Length > 0 && args[0] == "floor")
{
    // Analyzer execution time as the driver reports it (what -p:ReportAnalyzer=true prints in a build), for
    // PtLock and for the floor instruments, against a compile that emits, as a build's does.
    Console.WriteLine("| lines | compile + emit (s) | PtLock analyzers (s) | floor: bind (s) | floor: bind + CFG (s) | PtLock / compile | PtLock above floor / compile |");
    Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
    FloorTable(2_000, print: false);
    foreach (int lines in args.Skip(1).Select(int.Parse).DefaultIfEmpty(100_000))
        FloorTable(lines, print: true);
    return;
}
Console.WriteLine("| lines | files | compile (s) | + empty analyzer (s) | + floor (s) | + PtLock analyzers (s) | PtLock share of compile | per-document p50 (ms) | p95 (ms) | max (ms) | PTL diagnostics |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
if (profileOnly)
{
    // Only the analyzed build, for a profiler to look at.
    var corpus = CorpusGenerator.Generate(30_000);
    for (int i = 0; i < 3; i++)
        CSharpCompilation.Create("Corpus", corpus.Select(f => CSharpSyntaxTree.ParseText(f.Text, new CSharpParseOptions(LanguageVersion.Latest), f.Name)), references,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable))
            .WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
    return;
}
Measure(2_000, print: false); // warm-up: JIT the compiler and the analyzers
foreach (int lines in sizes)
    Measure(lines, print: true);

void Measure(int lines, bool print)
{
    var files = CorpusGenerator.Generate(lines);
    int actualLines = files.Sum(f => f.Text.Count(c => c == '\n'));
    var parse = new CSharpParseOptions(LanguageVersion.Latest);
    var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, concurrentBuild: true);

    // Wall clock, best of three, each on a fresh compilation (nothing bound yet): the compiler's own
    // diagnostics alone, then compiler and analyzer diagnostics together, as a build with analyzers does.
    // (The driver's per-analyzer telemetry would count the shared engine once per rule that waits for it.)
    CSharpCompilation Fresh() => CSharpCompilation.Create("Corpus", files.Select(f => CSharpSyntaxTree.ParseText(f.Text, parse, f.Name)), references, options);
    double compileSeconds = double.MaxValue, totalSeconds = double.MaxValue, emptySeconds = double.MaxValue, emptyModelSeconds = double.MaxValue, floorSeconds = double.MaxValue;
    System.Collections.Immutable.ImmutableArray<Diagnostic> diagnostics = default;
    for (int run = 0; run < 3; run++)
    {
        var plain = Fresh();
        var sw = Stopwatch.StartNew();
        int errors = plain.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
        compileSeconds = Math.Min(compileSeconds, sw.Elapsed.TotalSeconds);
        if (errors > 0)
            throw new InvalidOperationException($"the generated corpus does not compile ({errors} errors)");

        var empty = Fresh().WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new EmptyAnalyzer()));
        sw.Restart();
        empty.GetAllDiagnosticsAsync().GetAwaiter().GetResult();
        emptySeconds = Math.Min(emptySeconds, sw.Elapsed.TotalSeconds);

        var emptyModel = Fresh().WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new EmptyModelAnalyzer()));
        sw.Restart();
        emptyModel.GetAllDiagnosticsAsync().GetAwaiter().GetResult();
        emptyModelSeconds = Math.Min(emptyModelSeconds, sw.Elapsed.TotalSeconds);

        // The floor: the same bodies bound and their graphs built, nothing analysed (FloorAnalyzer.cs).
        var floor = Fresh().WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new FloorGraphAnalyzer()));
        sw.Restart();
        floor.GetAllDiagnosticsAsync().GetAwaiter().GetResult();
        floorSeconds = Math.Min(floorSeconds, sw.Elapsed.TotalSeconds);

        var withAnalyzers = Fresh().WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: true, logAnalyzerExecutionTime: false));
        sw.Restart();
        diagnostics = withAnalyzers.GetAllDiagnosticsAsync().GetAwaiter().GetResult();
        totalSeconds = Math.Min(totalSeconds, sw.Elapsed.TotalSeconds);
    }
    double analyzerSeconds = Math.Max(0, totalSeconds - compileSeconds);

    // Per document, as an IDE asks after each edit: semantic diagnostics of one file (binding included).
    var perDocument = new List<double>();
    var ide = CSharpCompilation.Create("Corpus", files.Select(f => CSharpSyntaxTree.ParseText(f.Text, parse, f.Name)), references, options)
        .WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false, logAnalyzerExecutionTime: false));
    foreach (var tree in ide.Compilation.SyntaxTrees.Take(200))
    {
        var model = ide.Compilation.GetSemanticModel(tree);
        model.GetDiagnostics(); // binding, which the compiler does anyway
        var t = Stopwatch.StartNew();
        ide.GetAnalyzerSemanticDiagnosticsAsync(model, null, CancellationToken.None).GetAwaiter().GetResult();
        perDocument.Add(t.Elapsed.TotalMilliseconds);
    }
    perDocument.Sort();
    double P(double q) => perDocument[Math.Min(perDocument.Count - 1, (int)(q * perDocument.Count))];
    int ptl = diagnostics.Count(d => d.Id.StartsWith("PTL", StringComparison.Ordinal));
    int distinct = diagnostics.Where(d => d.Id.StartsWith("PTL", StringComparison.Ordinal)).Select(d => (d.Id, d.Location.SourceTree?.FilePath, d.Location.SourceSpan)).Distinct().Count();
    if (distinct != ptl)
        Console.WriteLine($"(duplicates: {ptl} diagnostics, {distinct} distinct)");
    if (print)
        Console.WriteLine($"| {actualLines:N0} | {files.Count} | {compileSeconds:F2} | {emptySeconds:F2} / {emptyModelSeconds:F2} | {floorSeconds:F2} | {totalSeconds:F2} | {analyzerSeconds / compileSeconds:P1} | {P(0.5):F2} | {P(0.95):F2} | {perDocument[^1]:F2} | {ptl} |");
}

void FloorTable(int lines, bool print)
{
    var files = CorpusGenerator.Generate(lines);
    var parse = new CSharpParseOptions(LanguageVersion.Latest);
    var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: Environment.GetEnvironmentVariable("CORPUS_NULLABLE") == "off" ? NullableContextOptions.Disable : NullableContextOptions.Enable,
        concurrentBuild: true, optimizationLevel: OptimizationLevel.Release);
    CSharpCompilation Fresh() => CSharpCompilation.Create("Corpus", files.Select(f => CSharpSyntaxTree.ParseText(f.Text, parse, f.Name)), references, options);
    double Executing(ImmutableArray<DiagnosticAnalyzer> set)
    {
        var run = Fresh().WithAnalyzers(set, new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: true, logAnalyzerExecutionTime: true));
        var result = run.GetAnalysisResultAsync(CancellationToken.None).GetAwaiter().GetResult();
        return set.Sum(a => result.AnalyzerTelemetryInfo[a].ExecutionTime.TotalSeconds);
    }
    double compile = double.MaxValue, ptlock = double.MaxValue, bind = double.MaxValue, cfg = double.MaxValue;
    for (int run = 0; run < 3; run++)
    {
        var sw = Stopwatch.StartNew();
        var emitted = Fresh().Emit(new MemoryStream());
        compile = Math.Min(compile, sw.Elapsed.TotalSeconds);
        if (!emitted.Success)
            throw new InvalidOperationException("the generated corpus does not compile");
        ptlock = Math.Min(ptlock, Executing(analyzers));
        bind = Math.Min(bind, Executing(ImmutableArray.Create<DiagnosticAnalyzer>(new FloorBindAnalyzer())));
        cfg = Math.Min(cfg, Executing(ImmutableArray.Create<DiagnosticAnalyzer>(new FloorGraphAnalyzer())));
    }
    if (print)
        Console.WriteLine($"| {lines:N0} | {compile:F2} | {ptlock:F2} | {bind:F2} | {cfg:F2} | {ptlock / compile:P0} | {(ptlock - cfg) / compile:P0} |");
    if (print)
    {
        // Per document, as an IDE asks after an edit, for PtLock and for the floor with the graph.
        foreach (var (name, set) in new[] { ("PtLock", analyzers), ("floor: bind + CFG", ImmutableArray.Create<DiagnosticAnalyzer>(new FloorGraphAnalyzer())), ("floor: bind", ImmutableArray.Create<DiagnosticAnalyzer>(new FloorBindAnalyzer())), ("empty", ImmutableArray.Create<DiagnosticAnalyzer>(new EmptyModelAnalyzer())) })
        {
            var times = new List<double>();
            var ide = Fresh().WithAnalyzers(set, new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false, logAnalyzerExecutionTime: false));
            foreach (var tree in ide.Compilation.SyntaxTrees.Take(200))
            {
                var model = ide.Compilation.GetSemanticModel(tree);
                var t = Stopwatch.StartNew();
                ide.GetAnalyzerSemanticDiagnosticsAsync(model, null, CancellationToken.None).GetAwaiter().GetResult();
                times.Add(t.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            Console.WriteLine($"|   per document, {name}: p50 {times[times.Count / 2]:F1} ms, p95 {times[(int)(times.Count * 0.95)]:F1} ms, max {times[^1]:F1} ms |");

            // After an edit, as an IDE sees it: each keystroke is a new compilation that shares every other tree.
            var edited = new List<double>();
            var current = Fresh();
            for (int edit = 0; edit < 60; edit++)
            {
                var tree = current.SyntaxTrees.ElementAt(edit * 5 % current.SyntaxTrees.Count());
                var changed = tree.WithChangedText(tree.GetText().WithChanges(new Microsoft.CodeAnalysis.Text.TextChange(new Microsoft.CodeAnalysis.Text.TextSpan(tree.Length, 0), "// edit " + edit + "\n")));
                current = current.ReplaceSyntaxTree(tree, changed);
                var session = current.WithAnalyzers(set, new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false, logAnalyzerExecutionTime: false));
                var t = Stopwatch.StartNew();
                session.GetAnalyzerSemanticDiagnosticsAsync(current.GetSemanticModel(changed), null, CancellationToken.None).GetAwaiter().GetResult();
                edited.Add(t.Elapsed.TotalMilliseconds);
            }
            edited.Sort();
            Console.WriteLine($"|   after an edit, {name}: p50 {edited[edited.Count / 2]:F1} ms, p95 {edited[(int)(edited.Count * 0.95)]:F1} ms, max {edited[^1]:F1} ms |");
        }
    }
}
