using Microsoft.CodeAnalysis;
using PtLock.Cli.Input;

namespace PtLock.Cli.Analysis;

/// <summary>
/// One reported diagnostic, detached from Roslyn's objects: what every output format needs. Lines and
/// columns are 1-based, as editors and SARIF count them.
/// </summary>
internal sealed record Finding(
    string Id,
    DiagnosticSeverity Severity,
    string Message,
    string? FullPath,
    string Path,
    int Line,
    int Column,
    int EndLine,
    int EndColumn,
    string? HelpUri,
    string Title)
{
    public static Finding From(Diagnostic diagnostic, string workingDirectory)
    {
        string? fullPath = null;
        int line = 0, column = 0, endLine = 0, endColumn = 0;
        if (diagnostic.Location.IsInSource && diagnostic.Location.SourceTree!.FilePath.Length > 0)
        {
            var span = diagnostic.Location.GetLineSpan();
            fullPath = span.Path;
            (line, column) = (span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1);
            (endLine, endColumn) = (span.EndLinePosition.Line + 1, span.EndLinePosition.Character + 1);
        }
        string help = diagnostic.Descriptor.HelpLinkUri;
        return new Finding(
            diagnostic.Id,
            diagnostic.Severity,
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture),
            fullPath,
            fullPath is null ? "" : DisplayPaths.For(fullPath, workingDirectory),
            line, column, endLine, endColumn,
            string.IsNullOrEmpty(help) ? null : help,
            diagnostic.Descriptor.Title.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Order of output: by file, then position, then rule.</summary>
    public static readonly IComparer<Finding> ByLocation = Comparer<Finding>.Create((a, b) =>
    {
        int c = string.CompareOrdinal(a.Path, b.Path);
        if (c == 0) c = a.Line.CompareTo(b.Line);
        if (c == 0) c = a.Column.CompareTo(b.Column);
        if (c == 0) c = string.CompareOrdinal(a.Id, b.Id);
        return c != 0 ? c : string.CompareOrdinal(a.Message, b.Message);
    });
}
