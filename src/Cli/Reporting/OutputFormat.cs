namespace PtLock.Cli.Reporting;

/// <summary>The report formats of <c>ptlock check --format</c>.</summary>
internal enum OutputFormat
{
    Text,
    Json,
    Sarif,
}
