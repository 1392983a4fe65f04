using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.CodeAnalysis;
using PtLock.Cli.Analysis;

namespace PtLock.Cli.Reporting;

/// <summary>
/// <c>--format json</c>: an object with the PTL diagnostics, the compilation's errors and analyzer failures
/// (listed apart, as in the text report) and the counts.
/// </summary>
internal static class JsonReport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        // The report is read by people and tools, never embedded in HTML: keep quotes and apostrophes as they are.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void Write(CheckResult result, TextWriter writer)
    {
        var document = new Document(
            result.Findings.Select(Entry.From).ToList(),
            result.CompilationErrors.Select(Entry.From).ToList(),
            result.AnalyzerFailures.Select(Entry.From).ToList(),
            new Totals(result.Files.Count, result.Count(DiagnosticSeverity.Error), result.Count(DiagnosticSeverity.Warning), result.Count(DiagnosticSeverity.Info)));
        writer.WriteLine(JsonSerializer.Serialize(document, Options));
    }

    private sealed record Document(IReadOnlyList<Entry> Diagnostics, IReadOnlyList<Entry> CompilationErrors, IReadOnlyList<Entry> AnalyzerFailures, Totals Totals);

    private sealed record Totals(int Files, int Errors, int Warnings, int Infos);

    private sealed record Entry(string Id, string Severity, string Message, string Path, int Line, int Column, int EndLine, int EndColumn, string? HelpUri)
    {
        public static Entry From(Finding f) =>
            new(f.Id, SeverityNames.Text(f.Severity), f.Message, f.Path, f.Line, f.Column, f.EndLine, f.EndColumn, f.HelpUri);
    }
}
