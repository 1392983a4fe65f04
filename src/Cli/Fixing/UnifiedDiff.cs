using System.Text;
using DiffPlex;
using DiffPlex.Chunkers;

namespace PtLock.Cli.Fixing;

/// <summary>
/// A unified diff (<c>---</c>/<c>+++</c> headers, <c>@@ -a,b +c,d @@</c> hunks with three lines of context)
/// built from DiffPlex's line diff, in the form <c>patch</c> and <c>git apply</c> read.
/// </summary>
internal static class UnifiedDiff
{
    public const int ContextLines = 3;

    private enum Kind { Same, Removed, Added }

    private readonly record struct Line(Kind Kind, string Text, int OldIndex, int NewIndex);

    /// <summary>The diff of one file, or an empty string when the texts are equal; <paramref name="path"/> heads both sides.</summary>
    public static string Create(string path, string oldText, string newText)
    {
        if (oldText == newText)
            return "";
        // Pieces keep their line endings, so a change of line ending alone still shows as a changed line.
        var diff = Differ.Instance.CreateDiffs(oldText, newText, ignoreWhiteSpace: false, ignoreCase: false, LineEndingsPreservingChunker.Instance);
        var lines = Script(diff.PiecesOld, diff.PiecesNew, diff.DiffBlocks);

        var output = new StringBuilder();
        output.Append("--- ").Append(path).Append('\n');
        output.Append("+++ ").Append(path).Append('\n');
        foreach (var (start, end) in Hunks(lines))
            AppendHunk(output, lines, start, end);
        return output.ToString();
    }

    /// <summary>Every line of both files in order: unchanged ones once, each block's removals before its additions.</summary>
    private static List<Line> Script(IReadOnlyList<string> oldPieces, IReadOnlyList<string> newPieces, IEnumerable<DiffPlex.Model.DiffBlock> blocks)
    {
        var lines = new List<Line>();
        int oldIndex = 0, newIndex = 0;
        foreach (var block in blocks)
        {
            while (oldIndex < block.DeleteStartA)
                lines.Add(new Line(Kind.Same, oldPieces[oldIndex], oldIndex++, newIndex++));
            for (int i = 0; i < block.DeleteCountA; i++)
                lines.Add(new Line(Kind.Removed, oldPieces[oldIndex], oldIndex++, newIndex));
            for (int i = 0; i < block.InsertCountB; i++)
                lines.Add(new Line(Kind.Added, newPieces[newIndex], oldIndex, newIndex++));
        }
        while (oldIndex < oldPieces.Count)
            lines.Add(new Line(Kind.Same, oldPieces[oldIndex], oldIndex++, newIndex++));
        return lines;
    }

    /// <summary>Ranges [start, end) of the script to print: each change with up to three unchanged lines around it, merged when they touch.</summary>
    private static IEnumerable<(int Start, int End)> Hunks(List<Line> lines)
    {
        int? start = null;
        int end = 0;
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].Kind == Kind.Same)
                continue;
            int from = Math.Max(0, i - ContextLines);
            int to = Math.Min(lines.Count, i + 1 + ContextLines);
            if (start is not null && from > end)
            {
                yield return (start.Value, end);
                start = null;
            }
            start ??= from;
            end = to;
        }
        if (start is not null)
            yield return (start.Value, end);
    }

    private static void AppendHunk(StringBuilder output, List<Line> lines, int start, int end)
    {
        var hunk = lines.GetRange(start, end - start);
        int oldCount = hunk.Count(l => l.Kind != Kind.Added);
        int newCount = hunk.Count(l => l.Kind != Kind.Removed);
        // An empty side is numbered by the line before it (0 at the start of the file), as diff(1) does.
        int oldStart = oldCount == 0 ? hunk[0].OldIndex : hunk[0].OldIndex + 1;
        int newStart = newCount == 0 ? hunk[0].NewIndex : hunk[0].NewIndex + 1;
        output.Append($"@@ -{Range(oldStart, oldCount)} +{Range(newStart, newCount)} @@\n");
        foreach (var line in hunk)
        {
            char marker = line.Kind switch { Kind.Removed => '-', Kind.Added => '+', _ => ' ' };
            string text = line.Text.TrimEnd('\r', '\n');
            output.Append(marker).Append(text).Append('\n');
            if (text.Length == line.Text.Length)
                output.Append("\\ No newline at end of file\n");
        }
    }

    private static string Range(int start, int count) => count == 1 ? start.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{start},{count}";
}
