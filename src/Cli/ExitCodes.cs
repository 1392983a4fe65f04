namespace PtLock.Cli;

/// <summary>The process exit codes, the same for every command (docs/cli.md lists them).</summary>
internal static class ExitCodes
{
    /// <summary>The command ran; for <c>check</c>: no PTL diagnostic of error severity.</summary>
    public const int Success = 0;

    /// <summary><c>check</c>: at least one PTL diagnostic of error severity; <c>explore</c>: a failing schedule was found.</summary>
    public const int ErrorsFound = 1;

    /// <summary>Bad input or a failure of the tool.</summary>
    public const int BadInput = 2;
}
