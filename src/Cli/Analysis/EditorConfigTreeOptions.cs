using Microsoft.CodeAnalysis;

namespace PtLock.Cli.Analysis;

/// <summary>
/// Per-file diagnostic severities from .editorconfig, as the compiler applies them in a build. Trees are
/// looked up by path, not by identity, so the same provider serves every round of <c>ptlock fix</c>, whose
/// trees are new after each applied fix.
/// </summary>
internal sealed class EditorConfigTreeOptions(EditorConfigSettings settings) : SyntaxTreeOptionsProvider
{
    public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken)
    {
        if (tree.FilePath.Length == 0
            || !settings.OptionsFor(tree.FilePath).AnalyzerOptions.TryGetValue("generated_code", out string? value)
            || !bool.TryParse(value, out bool generated))
            return GeneratedKind.Unknown;
        return generated ? GeneratedKind.MarkedGenerated : GeneratedKind.NotGenerated;
    }

    public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
    {
        if (tree.FilePath.Length == 0)
        {
            severity = ReportDiagnostic.Default;
            return false;
        }
        return settings.OptionsFor(tree.FilePath).TreeOptions.TryGetValue(diagnosticId, out severity);
    }

    public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity) =>
        settings.GlobalOptions.TreeOptions.TryGetValue(diagnosticId, out severity);
}
