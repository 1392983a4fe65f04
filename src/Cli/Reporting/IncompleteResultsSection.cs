using PtLock.Cli.Analysis;

namespace PtLock.Cli.Reporting;

/// <summary>
/// Compiler errors of the ad-hoc compilation and analyzer failures, shown apart from the PTL results: code
/// that does not bind (a type from a package the tool cannot reference) hides what the analyzers would have
/// found there, and the reader should know.
/// </summary>
internal static class IncompleteResultsSection
{
    public const int ShownErrors = 5;

    public static void Write(CheckResult result, TextWriter writer, bool useColor)
    {
        if (result.CompilationErrors.Count > 0)
        {
            writer.WriteLine();
            writer.WriteLine($"The compilation has {Counts.Of(result.CompilationErrors.Count, "error")}; results may be incomplete "
                             + "(the files are compiled against the .NET framework, the PtLock runtime and its contracts only).");
            foreach (var error in result.CompilationErrors.Take(ShownErrors))
                writer.WriteLine("  " + DiagnosticLines.Format(error, useColor));
            if (result.CompilationErrors.Count > ShownErrors)
                writer.WriteLine($"  ... and {result.CompilationErrors.Count - ShownErrors} more");
        }
        if (result.AnalyzerFailures.Count > 0)
        {
            writer.WriteLine();
            writer.WriteLine($"{Counts.Of(result.AnalyzerFailures.Count, "analyzer failure")}; results may be incomplete:");
            foreach (var failure in result.AnalyzerFailures.Take(ShownErrors))
                writer.WriteLine("  " + DiagnosticLines.Format(failure, useColor));
        }
    }
}
