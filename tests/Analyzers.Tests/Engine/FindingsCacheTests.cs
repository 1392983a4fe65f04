using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PtLock.Analyzers.Engine;

namespace PtLock.Analyzers.Tests;

/// <summary>
/// The engine analyses a file once for all rule analyzers and caches the result per compilation. An IDE cancels
/// analysis all the time and may resume it on the same compilation: a cancelled run must not be what the next
/// request gets.
/// </summary>
public class FindingsCacheTests
{
    private static (LockEngine.CompilationResults Results, SemanticModel Model) Fresh()
    {
        var tree = CSharpSyntaxTree.ParseText(WalkerSample.Source, new CSharpParseOptions(LanguageVersion.Latest), "Walker.cs");
        var compilation = CSharpCompilation.Create("Cache", new[] { tree }, InProcessAnalysis.References(withRuntime: true),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        return (LockEngine.For(compilation), compilation.GetSemanticModel(tree));
    }

    [Fact]
    public void EveryRuleGetsItsShareOfOneAnalysis()
    {
        var (results, model) = Fresh();
        var mayFail = LockEngine.FindingsFor(results, DiagnosticIds.PteMapMayFail, model, CancellationToken.None);
        Assert.Single(mayFail);
        Assert.All(mayFail, f => Assert.Equal(DiagnosticIds.PteMapMayFail, f.RuleId));
        Assert.Empty(LockEngine.FindingsFor(results, DiagnosticIds.AcquiredTwice, model, CancellationToken.None));
        Assert.Single(results.Trees); // one analysis of the file served both rules
    }

    [Fact]
    public void ACancelledRunIsForgottenAndTheNextRequestAnalysesAgain()
    {
        var (results, model) = Fresh();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => LockEngine.FindingsFor(results, DiagnosticIds.PteMapMayFail, model, cancelled.Token));
        Assert.Empty(results.Trees);
        Assert.Single(LockEngine.FindingsFor(results, DiagnosticIds.PteMapMayFail, model, CancellationToken.None));
    }
}
