using Microsoft.CodeAnalysis;
using PtLock.Cli.Analysis;
using Spectre.Console;

namespace PtLock.Cli.Reporting;

/// <summary>PTL diagnostics counted by rule: ID, title, count and the severities they were reported at.</summary>
internal static class RuleSummaryTable
{
    public static Table Build(IEnumerable<Finding> findings)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Rule").AddColumn("Title").AddColumn(new TableColumn("Count").RightAligned()).AddColumn("Severity");
        foreach (var rule in findings.GroupBy(f => f.Id, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            // .editorconfig can set a rule's severity per folder, so one rule may show at several.
            var severities = rule.Select(f => f.Severity).Distinct().OrderDescending()
                .Select(s => $"[{SeverityNames.MarkupColor(s)}]{SeverityNames.Text(s)}[/]");
            table.AddRow(
                new Markup(Markup.Escape(rule.Key)),
                new Markup(Markup.Escape(rule.First().Title)),
                new Markup(rule.Count().ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Markup(string.Join(", ", severities)));
        }
        return table;
    }

    /// <summary>The last line of a check: totals by severity and how many files were read.</summary>
    public static string TotalsLine(CheckResult result)
    {
        string files = Counts.Of(result.Files.Count, "file");
        if (result.Findings.Count == 0)
            return $"No PTL diagnostics in {files}.";
        var parts = new List<string>
        {
            Counts.Of(result.Count(DiagnosticSeverity.Error), "error"),
            Counts.Of(result.Count(DiagnosticSeverity.Warning), "warning"),
        };
        int infos = result.Count(DiagnosticSeverity.Info);
        if (infos > 0)
            parts.Add($"{infos} info");
        return $"{Counts.Of(result.Findings.Count, "PTL diagnostic")} ({string.Join(", ", parts)}) in {files}.";
    }
}
