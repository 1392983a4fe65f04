using Microsoft.CodeAnalysis;
using PtLock.Cli.Input;

namespace PtLock.Cli.Analysis;

/// <summary>The result of checking a set of files, in the shape the reports need.</summary>
internal sealed record CheckResult(
    IReadOnlyList<SourceFile> Files,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<Finding> CompilationErrors,
    IReadOnlyList<Finding> AnalyzerFailures)
{
    public int Count(DiagnosticSeverity severity) => Findings.Count(f => f.Severity == severity);

    /// <summary>Exit code 1 is for these: PTL diagnostics at error severity after .editorconfig.</summary>
    public bool HasErrors => Findings.Any(f => f.Severity == DiagnosticSeverity.Error);

    public static CheckResult From(IReadOnlyList<SourceFile> files, AnalysisOutcome outcome, string workingDirectory)
    {
        List<Finding> Convert(IEnumerable<Diagnostic> diagnostics) =>
            diagnostics.Select(d => Finding.From(d, workingDirectory)).Order(Finding.ByLocation).ToList();
        return new CheckResult(files, Convert(outcome.PtLockDiagnostics), Convert(outcome.CompilationErrors), Convert(outcome.AnalyzerFailures));
    }
}
