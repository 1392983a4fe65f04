using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests;

/// <summary>Compile real source files in-process with every PtLock analyzer attached.</summary>
internal static class InProcessAnalysis
{
    private static readonly ImmutableArray<MetadataReference> s_frameworkReferences =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
        .Where(p => Path.GetFileName(p).StartsWith("System", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
        .ToImmutableArray();

    public static ImmutableArray<MetadataReference> References(bool withRuntime) =>
        withRuntime ? s_frameworkReferences.Add(TestReferences.Contracts).Add(TestReferences.Runtime) : s_frameworkReferences.Add(TestReferences.Contracts);

    public static async Task<(ImmutableArray<Diagnostic> Analyzer, ImmutableArray<Diagnostic> Compiler)> RunAsync(
        IEnumerable<(string Path, string Text)> files, bool withRuntime, CSharpCompilationOptions? options = null)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Text, parse, f.Path)).ToList();
        var references = References(withRuntime);
        var compilation = CSharpCompilation.Create("Analyzed", trees, references,
            options ?? new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        var withAnalyzers = compilation.WithAnalyzers(AllRulesVerifier.Analyzers,
            new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false));
        var analyzerDiagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        return (analyzerDiagnostics, compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray());
    }
}
