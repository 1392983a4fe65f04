using PtLock.Cli.Analysis;
using PtLock.Cli.Commands;
using Spectre.Console;

namespace PtLock.Cli.Reporting;

/// <summary>
/// The demo's per-file verdict: which PTL rules each seed-thread port raised, and whether that is what the
/// port is for (a pre-fix port is meant to be flagged, a post-fix port to be clean).
/// </summary>
internal static class SampleVerdictTable
{
    public static Table Build(CheckResult result)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("File").AddColumn("PTL rules found").AddColumn("Verdict");
        foreach (var file in result.Files)
        {
            var ids = result.Findings.Where(f => f.FullPath == file.FullPath).Select(f => f.Id).Distinct().Order(StringComparer.Ordinal).ToList();
            string name = Path.GetFileName(file.FullPath);
            table.AddRow(
                new Markup(Markup.Escape(name)),
                new Markup(ids.Count == 0 ? "[green]none[/]" : Markup.Escape(string.Join(", ", ids))),
                new Markup(Verdict(name, ids.Count > 0)));
        }
        return table;
    }

    private static string Verdict(string fileName, bool flagged)
    {
        bool preFix = fileName.Contains(SeedThreadSamples.PreFixMarker, StringComparison.Ordinal);
        bool postFix = fileName.Contains(SeedThreadSamples.PostFixMarker, StringComparison.Ordinal);
        return (preFix, postFix, flagged) switch
        {
            (true, _, true) => "[yellow]flagged[/]: the bug the fix removed",
            (true, _, false) => "[red]clean, but this pre-fix port should be flagged[/]",
            (_, true, false) => "[green]clean[/]: the fixed code",
            (_, true, true) => "[red]flagged, but this post-fix port should be clean[/]",
            (_, _, true) => "[yellow]flagged[/]",
            _ => "[green]clean[/]",
        };
    }
}
