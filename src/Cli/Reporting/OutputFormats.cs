namespace PtLock.Cli.Reporting;

/// <summary>Parses <c>--format</c>: an unknown name is bad input with one line naming the accepted ones.</summary>
internal static class OutputFormats
{
    public static readonly IReadOnlyList<string> Names = ["text", "json", "sarif"];

    public static OutputFormat Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "text" => OutputFormat.Text,
        "json" => OutputFormat.Json,
        "sarif" => OutputFormat.Sarif,
        _ => throw new CliInputException($"unknown format '{text}' (expected {string.Join(", ", Names)})"),
    };
}
