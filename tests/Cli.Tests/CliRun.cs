namespace PtLock.Cli.Tests;

/// <summary>What one in-process run of the tool produced.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public string[] OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    /// <summary>The full command line, parsed by System.CommandLine as the process would parse it.</summary>
    public static async Task<CliRun> ArgsAsync(string workingDirectory, params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        int code = await PtLockCli.RunAsync(args, CliEnvironment.ForWriters(output, error, workingDirectory));
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>A command object called directly, behind the same top-level error handling as the process.</summary>
    public static async Task<CliRun> CommandAsync(string workingDirectory, Func<CliEnvironment, Task<int>> command, string? toolDirectory = null)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var environment = CliEnvironment.ForWriters(output, error, workingDirectory);
        if (toolDirectory is not null)
            environment = environment with { ToolDirectory = toolDirectory };
        int code = await PtLockCli.GuardAsync(environment, () => command(environment));
        return new CliRun(code, output.ToString(), error.ToString());
    }
}
