namespace PtLock.Cli.Fixing;

/// <summary>
/// Keeps a file's line endings through a code fix: Roslyn writes the lines a fix inserts with the
/// platform's newline, which in a CRLF file on Linux (or an LF file on Windows) would mix the two.
/// </summary>
internal static class LineEndings
{
    /// <summary>"\r\n" or "\n" when the file uses one of them throughout; null when it mixes them or has no line break.</summary>
    public static string? Uniform(string text)
    {
        int crlf = 0, lf = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\n')
                continue;
            if (i > 0 && text[i - 1] == '\r')
                crlf++;
            else
                lf++;
        }
        return (crlf, lf) switch
        {
            ( > 0, 0) => "\r\n",
            (0, > 0) => "\n",
            _ => null,
        };
    }

    /// <summary>The fixed text with every line break written as the original file wrote them, when it was uniform.</summary>
    public static string Match(string original, string fixedText)
    {
        string? newline = Uniform(original);
        if (newline is null)
            return fixedText;
        string lf = fixedText.Replace("\r\n", "\n", StringComparison.Ordinal);
        return newline == "\n" ? lf : lf.Replace("\n", "\r\n", StringComparison.Ordinal);
    }
}
