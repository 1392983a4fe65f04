using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using PtLock.Analyzers.Engine;

namespace PtLock.Benchmarks.Analyzers;

/// <summary>
/// The dataflow alone, apart from binding and graphing: every body the pre-filter passes is bound and graphed once,
/// then the engine runs on the same graphs round after round. A steady-state figure per body, and a process a
/// profiler can sample with nothing but the engine in it (docs/benchmarks.md, session 6).
/// </summary>
internal static class EngineOnly
{
    public static void Run(ImmutableArray<MetadataReference> references, int lines, int rounds)
    {
        var files = CorpusGenerator.Generate(lines);
        var compilation = CSharpCompilation.Create("Corpus", files.Select(f => CSharpSyntaxTree.ParseText(f.Text, new CSharpParseOptions(LanguageVersion.Latest), f.Name)), references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var results = LockEngine.For(compilation);
        var graphs = new List<(ControlFlowGraph Graph, IMethodSymbol Method)>();
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var declaration in LockEngine.AnalysedDeclarations(tree.GetRoot()))
            {
                if (!LockEngine.PassesSyntaxPreFilter(results, declaration)
                    || model.GetDeclaredSymbol(declaration) is not IMethodSymbol method
                    || model.GetOperation(declaration) is not IMethodBodyOperation body)
                    continue;
                graphs.Add((ControlFlowGraph.Create(body), method));
            }
        }
        Console.WriteLine($"{graphs.Count} graphs of {lines:N0} lines");
        var times = new List<double>();
        // ALLOC=1: sampled allocation by type over the rounds (one sample per ~100 KB), to see what a body's bytes are.
        using var allocations = Environment.GetEnvironmentVariable("ALLOC") == "1" ? new JitListener(allocations: true) : null;
        for (int round = 0; round < rounds; round++)
        {
            int findings = 0;
            long bytes = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            foreach (var (graph, method) in graphs)
                findings += new LockFlowAnalysis(results.Model, graph, method, CancellationToken.None).Run().Count;
            clock.Stop();
            times.Add(clock.Elapsed.TotalMilliseconds);
            Console.WriteLine($"round {round}: {clock.Elapsed.TotalMilliseconds:F0} ms, {clock.Elapsed.TotalMilliseconds * 1000 / graphs.Count:F1} µs a body, " +
                $"{(GC.GetTotalAllocatedBytes(precise: true) - bytes) / graphs.Count:N0} bytes a body, {findings} findings");
        }
        if (allocations is not null)
            foreach (var (type, samples) in allocations.ByType.OrderByDescending(p => p.Value).Take(25))
                Console.WriteLine($"  {samples,6} {type}");
        times.Sort();
        Console.WriteLine($"median {times[times.Count / 2]:F0} ms ({times[times.Count / 2] * 1000 / graphs.Count:F1} µs a body)");
    }
}
