namespace PtLock.Cli;

/// <summary>
/// Bad input (a missing path, an unknown rule or format, an unreadable or unwritable file) or a missing part
/// of the tool itself: reported as one <c>ptlock: error: ...</c> line and exit code 2, never as a stack trace.
/// </summary>
internal sealed class CliInputException : Exception
{
    public CliInputException(string message) : base(message) { }

    public CliInputException(string message, Exception inner) : base(message, inner) { }
}
