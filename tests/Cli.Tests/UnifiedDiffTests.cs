using PtLock.Cli.Fixing;

namespace PtLock.Cli.Tests;

/// <summary>The unified diff: headers, hunk ranges, three lines of context, separate and merged hunks.</summary>
public class UnifiedDiffTests
{
    private static string Lines(params int[] numbers) => string.Concat(numbers.Select(n => $"line {n}\n"));

    [Fact]
    public void EqualTextsHaveNoDiff() => Assert.Equal("", UnifiedDiff.Create("a.cs", "x\n", "x\n"));

    [Fact]
    public void AnInsertionGetsThreeLinesOfContextEachSide()
    {
        string before = Lines(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        string after = before.Replace("line 5\n", "line 5\ninserted\n", StringComparison.Ordinal);

        Assert.Equal(
            "--- a.cs\n+++ a.cs\n@@ -3,6 +3,7 @@\n line 3\n line 4\n line 5\n+inserted\n line 6\n line 7\n line 8\n",
            UnifiedDiff.Create("a.cs", before, after));
    }

    [Fact]
    public void DistantChangesMakeSeparateHunksAndCloseOnesMerge()
    {
        string before = Lines(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20);
        string distant = before.Replace("line 2\n", "two\n", StringComparison.Ordinal).Replace("line 18\n", "eighteen\n", StringComparison.Ordinal);
        string close = before.Replace("line 2\n", "two\n", StringComparison.Ordinal).Replace("line 8\n", "eight\n", StringComparison.Ordinal);

        var distantHunks = UnifiedDiff.Create("a.cs", before, distant).Split('\n').Where(l => l.StartsWith("@@", StringComparison.Ordinal)).ToList();
        var closeHunks = UnifiedDiff.Create("a.cs", before, close).Split('\n').Where(l => l.StartsWith("@@", StringComparison.Ordinal)).ToList();

        Assert.Equal(["@@ -1,5 +1,5 @@", "@@ -15,6 +15,6 @@"], distantHunks);
        Assert.Equal(["@@ -1,11 +1,11 @@"], closeHunks);
    }

    [Fact]
    public void ADeletionAtTheStartAndAMissingFinalNewlineAreMarked()
    {
        string diff = UnifiedDiff.Create("a.cs", "gone\nkept\nlast", "kept\nlast");

        Assert.Equal("--- a.cs\n+++ a.cs\n@@ -1,3 +1,2 @@\n-gone\n kept\n last\n\\ No newline at end of file\n", diff);
    }

    [Fact]
    public void AnEmptyOldFileStartsAtZero() =>
        Assert.Equal("--- a.cs\n+++ a.cs\n@@ -0,0 +1 @@\n+new\n", UnifiedDiff.Create("a.cs", "", "new\n"));
}
