using Microsoft.CodeAnalysis;

namespace PtLock.Cli.Analysis;

/// <summary>
/// What one analysis of a compilation produced, kept apart: the PTL diagnostics (the tool's results), the
/// compiler's errors (which make those results incomplete) and failures of an analyzer (AD0001).
/// </summary>
internal sealed record AnalysisOutcome(
    IReadOnlyList<Diagnostic> PtLockDiagnostics,
    IReadOnlyList<Diagnostic> CompilationErrors,
    IReadOnlyList<Diagnostic> AnalyzerFailures);
