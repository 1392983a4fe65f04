using PtLock.Cli.Analysis;

namespace PtLock.Cli.Reporting;

/// <summary>
/// <c>--format text</c>: one compiler-style line per PTL diagnostic, the compilation's own problems apart,
/// a table by rule and a totals line.
/// </summary>
internal static class TextReport
{
    public static void Write(CheckResult result, TextWriter writer, bool useColor)
    {
        foreach (var finding in result.Findings)
            writer.WriteLine(DiagnosticLines.Format(finding, useColor));
        IncompleteResultsSection.Write(result, writer, useColor);
        if (result.Findings.Count > 0)
        {
            writer.WriteLine();
            Consoles.For(writer, useColor).Write(RuleSummaryTable.Build(result.Findings));
        }
        writer.WriteLine(RuleSummaryTable.TotalsLine(result));
    }
}
