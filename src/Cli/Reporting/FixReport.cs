using PtLock.Cli.Analysis;
using PtLock.Cli.Fixing;
using Spectre.Console;

namespace PtLock.Cli.Reporting;

/// <summary>
/// The output of <c>ptlock fix</c>: a unified diff of every changed file, the fixes applied per rule, the
/// diagnostics left with no fix, and a closing line saying what was (or, with --dry-run, would be) written.
/// </summary>
internal static class FixReport
{
    public static void Write(FixOutcome outcome, bool dryRun, TextWriter writer, bool useColor)
    {
        foreach (var (original, newText) in outcome.ChangedFiles)
            WriteDiff(UnifiedDiff.Create(original.DisplayPath, original.Text, newText), writer, useColor);

        if (outcome.CompilationErrors.Count > 0)
        {
            var asCheck = new CheckResult([], [], outcome.CompilationErrors, []);
            IncompleteResultsSection.Write(asCheck, writer, useColor);
        }

        writer.WriteLine();
        if (outcome.AppliedByRule.Count > 0)
        {
            var table = new Table().Border(TableBorder.Rounded)
                .AddColumn("Rule").AddColumn("Title").AddColumn(new TableColumn("Fixes applied").RightAligned());
            foreach (var (id, count) in outcome.AppliedByRule)
            {
                string title = PtLockRules.Descriptors.TryGetValue(id, out var descriptor) ? descriptor.Title.ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
                table.AddRow(Markup.Escape(id), Markup.Escape(title), count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            Consoles.For(writer, useColor).Write(table);
        }

        if (outcome.Remaining.Count > 0)
        {
            writer.WriteLine(outcome.RoundLimitReached
                ? $"Stopped after {CodeFixSession.MaxRounds} rounds of fixes; these diagnostics remain:"
                : $"Left with no code fix ({Counts.Of(outcome.Remaining.Count, "diagnostic")}):");
            foreach (var finding in outcome.Remaining)
                writer.WriteLine("  " + DiagnosticLines.Format(finding, useColor));
        }

        int fixes = outcome.AppliedByRule.Values.Sum();
        string files = Counts.Of(outcome.ChangedFiles.Count, "file");
        if (fixes == 0)
            writer.WriteLine(outcome.Remaining.Count == 0 ? "Nothing to fix." : "No fix applied.");
        else if (dryRun)
            writer.WriteLine($"Dry run: {Counts.Of(fixes, "fix", "fixes")} would change {files}; nothing was written.");
        else
            writer.WriteLine($"Applied {Counts.Of(fixes, "fix", "fixes")}; wrote {files}.");
    }

    private static void WriteDiff(string diff, TextWriter writer, bool useColor)
    {
        foreach (string line in diff.Split('\n').SkipLast(1))
        {
            string color = !useColor ? ""
                : line.StartsWith("+++", StringComparison.Ordinal) || line.StartsWith("---", StringComparison.Ordinal) ? "\u001b[1m"
                : line.StartsWith('+') ? "\u001b[32m"
                : line.StartsWith('-') ? "\u001b[31m"
                : line.StartsWith('@') ? "\u001b[36m"
                : "";
            writer.WriteLine(color.Length == 0 ? line : color + line + SeverityNames.AnsiReset);
        }
    }
}
