using Microsoft.CodeAnalysis;

namespace PtLock.Cli.Reporting;

/// <summary>Severity words as the compiler prints them, SARIF levels, and terminal colours.</summary>
internal static class SeverityNames
{
    public static string Text(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "error",
        DiagnosticSeverity.Warning => "warning",
        DiagnosticSeverity.Info => "info",
        _ => "hidden",
    };

    /// <summary>SARIF 2.1.0 §3.27.10: error, warning, note or none.</summary>
    public static string SarifLevel(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "error",
        DiagnosticSeverity.Warning => "warning",
        DiagnosticSeverity.Info => "note",
        _ => "none",
    };

    /// <summary>Spectre.Console markup colour for tables.</summary>
    public static string MarkupColor(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "red",
        DiagnosticSeverity.Warning => "yellow",
        _ => "blue",
    };

    /// <summary>
    /// Raw ANSI colour for the one-line diagnostics, which are written straight to the output rather than
    /// through Spectre.Console so that a long message is never wrapped at the console width (tools and
    /// editors parse these lines).
    /// </summary>
    public static string AnsiColor(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "\u001b[31m",
        DiagnosticSeverity.Warning => "\u001b[33m",
        _ => "\u001b[34m",
    };

    public const string AnsiReset = "\u001b[0m";
}
