using System.CommandLine;
using PtLock.Cli.Analysis;
using PtLock.Cli.Reporting;

namespace PtLock.Cli.Commands;

/// <summary>
/// <c>ptlock check [paths...] [--format text|json|sarif] [--output FILE]</c>: runs every PtLock analyzer on the
/// files and reports the PTL diagnostics. Exit code 1 when one of them is an error (after .editorconfig).
/// </summary>
internal sealed class CheckCommand(CliEnvironment environment)
{
    public const string Name = "check";

    /// <param name="Paths">As on the command line; relative to the working directory.</param>
    /// <param name="Format">text, json or sarif.</param>
    /// <param name="OutputFile">Where the report goes instead of the standard output.</param>
    public sealed record Request(IReadOnlyList<string> Paths, string Format = "text", string? OutputFile = null);

    public static Command Definition(CliEnvironment environment)
    {
        var paths = PathsArgument.Create();
        var format = new Option<string>("--format", "-f")
        {
            Description = "Report format: text (compiler-style lines and a table), json or sarif (SARIF 2.1.0)",
            HelpName = string.Join('|', OutputFormats.Names),
            DefaultValueFactory = _ => "text",
        };
        var output = new Option<string?>("--output", "-o") { Description = "Write the report to this file instead of the standard output", HelpName = "FILE" };
        var command = new Command(Name, "Run the PtLock analyzers on C# files, folders or projects and report PTL diagnostics") { paths, format, output };
        command.SetAction((parse, cancellationToken) => new CheckCommand(environment).RunAsync(
            new Request(parse.GetValue(paths) ?? [], parse.GetValue(format) ?? "text", parse.GetValue(output)), cancellationToken));
        return command;
    }

    public async Task<int> RunAsync(Request request, CancellationToken cancellationToken = default)
    {
        var format = OutputFormats.Parse(request.Format);
        string? outputPath = request.OutputFile is null ? null : Path.GetFullPath(request.OutputFile, environment.WorkingDirectory);
        var result = await SourceChecker.CheckAsync(request.Paths, environment.WorkingDirectory, cancellationToken).ConfigureAwait(false);

        if (outputPath is null)
        {
            Write(result, format, environment.Out, environment.UseColor);
        }
        else
        {
            using var report = new StringWriter();
            Write(result, format, report, useColor: false);
            WriteFile(outputPath, request.OutputFile!, report.ToString());
        }
        return result.HasErrors ? ExitCodes.ErrorsFound : ExitCodes.Success;
    }

    private void Write(CheckResult result, OutputFormat format, TextWriter writer, bool useColor)
    {
        switch (format)
        {
            case OutputFormat.Json:
                JsonReport.Write(result, writer);
                break;
            case OutputFormat.Sarif:
                SarifReport.Write(result, writer, environment.WorkingDirectory);
                break;
            default:
                TextReport.Write(result, writer, useColor);
                break;
        }
    }

    private static void WriteFile(string fullPath, string shownAs, string text)
    {
        try
        {
            File.WriteAllText(fullPath, text, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"cannot write '{shownAs}': {e.Message}", e);
        }
    }
}
