using System.CommandLine;
using PtLock.Cli.Analysis;
using PtLock.Cli.Fixing;
using PtLock.Cli.Input;
using PtLock.Cli.Reporting;

namespace PtLock.Cli.Commands;

/// <summary>
/// <c>ptlock fix [paths...] [--rule ID]... [--dry-run]</c>: applies the PtLock code fixes one by one until no
/// remaining diagnostic has one, prints a unified diff of each changed file and, unless --dry-run, rewrites
/// the files in their original encoding and line endings. Exit code 0 whenever it ran.
/// </summary>
internal sealed class FixCommand(CliEnvironment environment)
{
    public const string Name = "fix";

    /// <param name="Paths">As on the command line; relative to the working directory.</param>
    /// <param name="Rules">Rule IDs to fix (and report); empty for every rule.</param>
    /// <param name="DryRun">Print the diff only; write nothing.</param>
    public sealed record Request(IReadOnlyList<string> Paths, IReadOnlyList<string> Rules, bool DryRun);

    public static Command Definition(CliEnvironment environment)
    {
        var paths = PathsArgument.Create();
        var rules = new Option<string[]>("--rule", "-r")
        {
            Description = "Fix only this rule (PTLxxxx); repeat for several",
            HelpName = "ID",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Print the diff of the fixes without writing any file" };
        var command = new Command(Name, "Apply the PtLock code fixes to C# files, folders or projects and print a unified diff") { paths, rules, dryRun };
        command.SetAction((parse, cancellationToken) => new FixCommand(environment).RunAsync(
            new Request(parse.GetValue(paths) ?? [], parse.GetValue(rules) ?? [], parse.GetValue(dryRun)), cancellationToken));
        return command;
    }

    public async Task<int> RunAsync(Request request, CancellationToken cancellationToken = default)
    {
        var rules = request.Rules.Select(PtLockRules.ParseRuleId).ToHashSet(StringComparer.Ordinal);
        var files = SourceChecker.ReadFiles(request.Paths, environment.WorkingDirectory);
        var outcome = await new CodeFixSession(files, rules, environment.WorkingDirectory).RunAsync(cancellationToken).ConfigureAwait(false);
        if (!request.DryRun)
        {
            foreach (var (original, newText) in outcome.ChangedFiles)
                Write(original, newText);
        }
        FixReport.Write(outcome, request.DryRun, environment.Out, environment.UseColor);
        return ExitCodes.Success;
    }

    private static void Write(SourceFile original, string newText)
    {
        try
        {
            File.WriteAllBytes(original.FullPath, original.Encode(newText));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"cannot write '{original.DisplayPath}': {e.Message}", e);
        }
    }
}
