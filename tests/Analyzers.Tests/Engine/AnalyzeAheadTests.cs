using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PtLock.Analyzers.Engine;
using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests;

/// <summary>
/// One rule analyzer (PTL1001's) analyses each body as the compiler declares its method; the per-file pass that
/// reports takes those results. A body is analysed once whichever pass comes first, a cancelled early run is
/// forgotten, and what is reported is the same as without the early pass.
/// </summary>
public class AnalyzeAheadTests
{
    private static (CSharpCompilation Compilation, LockEngine.CompilationResults Results, SemanticModel Model) Fresh()
    {
        var tree = CSharpSyntaxTree.ParseText(WalkerSample.Source, new CSharpParseOptions(LanguageVersion.Latest), "Walker.cs");
        var compilation = CSharpCompilation.Create("Ahead", new[] { tree }, InProcessAnalysis.References(withRuntime: true),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var results = LockEngine.For(compilation);
        results.AnalysingAhead = true;
        return (compilation, results, compilation.GetSemanticModel(tree));
    }

    private static IMethodSymbol Method(Compilation compilation, string name) =>
        (IMethodSymbol)compilation.GetTypeByMetadataName("Walker")!.GetMembers(name).Single();

    [Fact]
    public void TheFilePassTakesTheBodyTheEarlyPassAnalysed()
    {
        var (compilation, results, model) = Fresh();
        LockEngine.AnalyzeAhead(results, Method(compilation, "Present"), compilation, CancellationToken.None);
        var early = Assert.Single(results.Bodies).Value;
        Assert.True(early.IsValueCreated);
        Assert.Single(early.Value, f => f.RuleId == DiagnosticIds.PteMapMayFail);

        var reported = LockEngine.FindingsFor(results, DiagnosticIds.PteMapMayFail, model, CancellationToken.None);
        Assert.Same(early.Value.Single(f => f.RuleId == DiagnosticIds.PteMapMayFail), Assert.Single(reported));
        // The file pass added the other body (rejected by the syntax pre-filter) and kept the analysed one as it was.
        Assert.Equal(2, results.Bodies.Count);
        Assert.Contains(results.Bodies, kv => ReferenceEquals(kv.Value, early));
    }

    [Fact]
    public void ABodyThePreFilterRejectsIsRecordedEmpty()
    {
        var (compilation, results, _) = Fresh();
        LockEngine.AnalyzeAhead(results, Method(compilation, "Plain"), compilation, CancellationToken.None);
        Assert.Empty(Assert.Single(results.Bodies).Value.Value);
    }

    [Fact]
    public void ACancelledEarlyRunIsForgottenAndTheFilePassAnalysesTheBody()
    {
        var (compilation, results, model) = Fresh();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => LockEngine.AnalyzeAhead(results, Method(compilation, "Present"), compilation, cancelled.Token));
        Assert.Empty(results.Bodies);
        Assert.Single(LockEngine.FindingsFor(results, DiagnosticIds.PteMapMayFail, model, CancellationToken.None));
    }

    [Fact]
    public void AMethodFromAnotherCompilationIsNotAnalysed()
    {
        var (compilation, results, _) = Fresh();
        var (other, _, _) = Fresh();
        LockEngine.AnalyzeAhead(results, Method(other, "Present"), compilation, CancellationToken.None);
        Assert.Empty(results.Bodies);
    }

    public static TheoryData<string> PreFixPorts() => new()
    {
        "Thread000_004_RetractPageTables.PreFix.cs", "Thread001_HugetlbFault.PreFix.cs", "Thread002_ZapPteRange.PreFix.cs",
        "Thread003_FinishFault.PreFix.cs", "Thread004_TryToFreePte.PreFix.cs",
    };

    /// <summary>
    /// Through the driver: with PTL1001 turned off its analyzer does not run, so neither does the early pass. Every
    /// other rule reports the same diagnostics either way.
    /// </summary>
    [Theory]
    [MemberData(nameof(PreFixPorts))]
    public async Task TheSameDiagnosticsWithAndWithoutTheEarlyPass(string port)
    {
        string path = Path.Combine(RepositoryFiles.Root, "samples", "SeedThreads", port);
        var files = new[] { (path, File.ReadAllText(path)), ("GlobalUsings.g.cs", "global using System; global using System.Collections.Generic; global using System.Linq;") };
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true);
        var withEarlyPass = Describe(await RunAsync(files, options));
        var withoutEarlyPass = Describe(await RunAsync(files, options.WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { [DiagnosticIds.RequiresLockNotHeld] = ReportDiagnostic.Suppress })));
        Assert.NotEmpty(withoutEarlyPass);
        Assert.Equal(withoutEarlyPass, withEarlyPass);
    }

    private static async Task<ImmutableArray<Diagnostic>> RunAsync(IEnumerable<(string Path, string Text)> files, CSharpCompilationOptions options)
    {
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Text, new CSharpParseOptions(LanguageVersion.Latest), f.Path));
        var compilation = CSharpCompilation.Create("Analyzed", trees, InProcessAnalysis.References(withRuntime: true), options);
        return await compilation.WithAnalyzers(AllRulesVerifier.Analyzers).GetAnalyzerDiagnosticsAsync(CancellationToken.None);
    }

    private static string[] Describe(ImmutableArray<Diagnostic> diagnostics) => diagnostics
        .Where(d => d.Id != DiagnosticIds.RequiresLockNotHeld)
        .Select(d => $"{d.Id} {d.Location.GetLineSpan()} {d.GetMessage()}")
        .OrderBy(s => s, StringComparer.Ordinal)
        .ToArray();
}
