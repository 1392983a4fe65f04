using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace PtLock.Cli.Analysis;

/// <summary>Runs every PtLock analyzer over a compilation, with the .editorconfig severities applied.</summary>
internal static class PtLockAnalysis
{
    /// <summary>The ID the analyzer driver reports an analyzer's exception under.</summary>
    public const string AnalyzerFailureId = "AD0001";

    public static async Task<AnalysisOutcome> RunAsync(CSharpCompilation compilation, EditorConfigSettings editorConfig, CancellationToken cancellationToken)
    {
        var configured = editorConfig.ApplyTo(compilation);
        var options = new CompilationWithAnalyzersOptions(editorConfig.AnalyzerOptions, onAnalyzerException: null,
            concurrentAnalysis: true, logAnalyzerExecutionTime: false);
        // One pass yields the compiler's and the analyzers' diagnostics, so the code is bound once.
        var all = await configured.WithAnalyzers(PtLockRules.Analyzers, options).GetAllDiagnosticsAsync(cancellationToken).ConfigureAwait(false);
        // Hidden diagnostics (severity "silent") are not shown by a build either.
        var ptlock = all.Where(d => PtLockRules.IsPtLockId(d.Id) && !d.IsSuppressed && d.Severity != DiagnosticSeverity.Hidden).ToList();
        var failures = all.Where(d => d.Id == AnalyzerFailureId).ToList();
        var errors = all.Where(d => d.Severity == DiagnosticSeverity.Error && !PtLockRules.IsPtLockId(d.Id) && d.Id != AnalyzerFailureId).ToList();
        return new AnalysisOutcome(ptlock, errors, failures);
    }
}
