using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PtLock.Analyzers.Engine;
using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests;

/// <summary>
/// The first rule analyzer to start on a compilation also analyses each body as the compiler declares its method; the
/// per-file pass that reports takes those results. A body is analysed once whichever pass comes first, a cancelled
/// early run is forgotten, and what is reported is the same as without the early pass.
/// </summary>
public class AnalyzeAheadTests
{
    private static (CSharpCompilation Compilation, LockEngine.CompilationResults Results, SemanticModel Model) Fresh()
    {
        var tree = CSharpSyntaxTree.ParseText(WalkerSample.Source, new CSharpParseOptions(LanguageVersion.Latest), "Walker.cs");
        var compilation = CSharpCompilation.Create("Ahead", new[] { tree }, InProcessAnalysis.References(withRuntime: true),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var results = LockEngine.For(compilation);
        Assert.True(results.ClaimEarlyPass());
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

    [Fact]
    public void OneRuleAnalyzerClaimsTheEarlyPass()
    {
        var (_, results, _) = Fresh();
        Assert.False(results.ClaimEarlyPass());
    }

    private static readonly string[] s_ruleIds = AllRulesVerifier.Analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Distinct().ToArray();

    public static TheoryData<string> PreFixPorts() => new()
    {
        "Thread000_004_RetractPageTables.PreFix.cs", "Thread001_HugetlbFault.PreFix.cs", "Thread002_ZapPteRange.PreFix.cs",
        "Thread003_FinishFault.PreFix.cs", "Thread004_TryToFreePte.PreFix.cs",
    };

    /// <summary>Every rule's findings, per file only, and with every method analysed early first (thread 002's rule is not the engine's).</summary>
    [Theory]
    [InlineData("Thread000_004_RetractPageTables.PreFix.cs")]
    [InlineData("Thread001_HugetlbFault.PreFix.cs")]
    [InlineData("Thread003_FinishFault.PreFix.cs")]
    [InlineData("Thread004_TryToFreePte.PreFix.cs")]
    public void TheEarlyPassChangesNoFinding(string port)
    {
        string[] Findings(bool early)
        {
            var compilation = Compile(port, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
            var results = LockEngine.For(compilation);
            if (early)
            {
                Assert.True(results.ClaimEarlyPass());
                foreach (var method in compilation.GetSymbolsWithName(_ => true, SymbolFilter.Member).OfType<IMethodSymbol>())
                    LockEngine.AnalyzeAhead(results, method, compilation, CancellationToken.None);
                Assert.NotEmpty(results.Bodies);
            }
            return compilation.SyntaxTrees
                .SelectMany(tree => s_ruleIds.SelectMany(id => LockEngine.FindingsFor(results, id, compilation.GetSemanticModel(tree), CancellationToken.None)))
                .Select(f => $"{f.RuleId} {f.Location.GetLineSpan()} {string.Join("|", f.Args)}")
                .OrderBy(s => s, StringComparer.Ordinal)
                .ToArray();
        }

        var perFile = Findings(early: false);
        Assert.NotEmpty(perFile);
        Assert.Equal(perFile, Findings(early: true));
    }

    /// <summary>
    /// Through the driver: whichever rule analyzers are turned off, one of the others runs the early pass, and the rules
    /// left on report what they report with all of them on.
    /// </summary>
    [Theory]
    [MemberData(nameof(PreFixPorts))]
    public async Task TurningRulesOffChangesNoOtherRulesDiagnostics(string port)
    {
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true);
        var off = new[] { DiagnosticIds.RequiresLockNotHeld, DiagnosticIds.GuardedAccessWithoutLock, DiagnosticIds.AcquiredTwice };
        var allOn = Describe(await RunAsync(Compile(port, options)), off);
        var someOff = Describe(await RunAsync(Compile(port, options.WithSpecificDiagnosticOptions(off.ToDictionary(id => id, _ => ReportDiagnostic.Suppress)))), off);
        Assert.NotEmpty(allOn);
        Assert.Equal(allOn, someOff);
    }

    private static CSharpCompilation Compile(string port, CSharpCompilationOptions options)
    {
        string path = Path.Combine(RepositoryFiles.Root, "samples", "SeedThreads", port);
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = new[]
        {
            CSharpSyntaxTree.ParseText(File.ReadAllText(path), parse, path),
            CSharpSyntaxTree.ParseText("global using System; global using System.Collections.Generic; global using System.Linq;", parse, "GlobalUsings.g.cs"),
        };
        return CSharpCompilation.Create("Analyzed", trees, InProcessAnalysis.References(withRuntime: true), options);
    }

    private static async Task<ImmutableArray<Diagnostic>> RunAsync(CSharpCompilation compilation) =>
        await compilation.WithAnalyzers(AllRulesVerifier.Analyzers).GetAnalyzerDiagnosticsAsync(CancellationToken.None);

    private static string[] Describe(ImmutableArray<Diagnostic> diagnostics, string[] leftOut) => diagnostics
        .Where(d => !leftOut.Contains(d.Id))
        .Select(d => $"{d.Id} {d.Location.GetLineSpan()} {d.GetMessage()}")
        .OrderBy(s => s, StringComparer.Ordinal)
        .ToArray();
}
