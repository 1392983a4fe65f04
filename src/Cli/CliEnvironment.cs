namespace PtLock.Cli;

/// <summary>
/// Where a command writes and which directory it resolves relative paths against. The process passes the
/// console and its current directory; tests pass string writers and temporary folders, so commands never
/// read the process-wide console or current directory themselves.
/// </summary>
/// <param name="Out">Reports, diffs and tables.</param>
/// <param name="Error">The one-line <c>ptlock: error: ...</c> messages.</param>
/// <param name="WorkingDirectory">Relative paths are resolved against it and shown relative to it.</param>
/// <param name="UseColor">Colour only a terminal: redirected output and test writers stay plain text.</param>
/// <param name="ToolDirectory">Where the tool runs from: the demo also looks for the samples above it.</param>
internal sealed record CliEnvironment(TextWriter Out, TextWriter Error, string WorkingDirectory, bool UseColor, string ToolDirectory)
{
    public static CliEnvironment ForProcess()
    {
        bool terminal = !Console.IsOutputRedirected
                        && Environment.GetEnvironmentVariable("NO_COLOR") is null or ""
                        && Environment.GetEnvironmentVariable("TERM") != "dumb";
        return new CliEnvironment(Console.Out, Console.Error, Directory.GetCurrentDirectory(), terminal, AppContext.BaseDirectory);
    }

    /// <summary>Plain-text output into the given writers (no colour), the tool directory being this assembly's.</summary>
    public static CliEnvironment ForWriters(TextWriter output, TextWriter error, string workingDirectory) =>
        new(output, error, Path.GetFullPath(workingDirectory), UseColor: false, AppContext.BaseDirectory);
}
