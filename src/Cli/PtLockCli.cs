using System.CommandLine;
using PtLock.Cli.Commands;
using PtLock.Cli.Reporting;

namespace PtLock.Cli;

/// <summary>
/// The command line: <c>check</c>, <c>fix</c>, and the demo when no command is given. Every failure ends here
/// as one <c>ptlock: error: ...</c> line on the error writer and exit code 2, never as a stack trace.
/// </summary>
internal static class PtLockCli
{
    public const string ErrorPrefix = "ptlock: error: ";

    public static RootCommand Build(CliEnvironment environment)
    {
        var root = new RootCommand(
            "PtLock: Roslyn analyzers and code fixes for Linux-mm page-table locking in C#. "
            + "With no command, checks the bundled seed-thread samples and explains what it finds.")
        {
            CheckCommand.Definition(environment),
            FixCommand.Definition(environment),
            ExploreCommand.Definition(environment),
        };
        root.SetAction((_, cancellationToken) => new DemoCommand(environment).RunAsync(cancellationToken));
        return root;
    }

    public static Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default) =>
        GuardAsync(environment, async () =>
        {
            var parse = Build(environment).Parse(args);
            if (parse.Errors.Count > 0)
                return Fail(environment, string.Join("; ", parse.Errors.Select(e => e.Message)));
            var invocation = new InvocationConfiguration
            {
                Output = environment.Out,
                Error = environment.Error,
                EnableDefaultExceptionHandler = false,
            };
            return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Runs a command, turning any exception into one error line and exit code 2.</summary>
    public static async Task<int> GuardAsync(CliEnvironment environment, Func<Task<int>> command, CancellationToken cancellationToken = default)
    {
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (CliInputException e)
        {
            return Fail(environment, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Fail(environment, "cancelled");
        }
        catch (Exception e)
        {
            return Fail(environment, $"unexpected failure ({e.GetType().Name}): {e.Message}");
        }
    }

    private static int Fail(CliEnvironment environment, string message)
    {
        environment.Error.WriteLine(ErrorPrefix + DiagnosticLines.OneLine(message));
        return ExitCodes.BadInput;
    }
}
