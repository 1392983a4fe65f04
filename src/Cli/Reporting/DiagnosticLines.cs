using PtLock.Cli.Analysis;

namespace PtLock.Cli.Reporting;

/// <summary>The compiler's one-line shape, <c>path(line,col): severity ID: message</c>, which editors and CI logs recognise.</summary>
internal static class DiagnosticLines
{
    public static string Format(Finding finding, bool useColor)
    {
        string severity = SeverityNames.Text(finding.Severity);
        if (useColor)
            severity = SeverityNames.AnsiColor(finding.Severity) + severity + SeverityNames.AnsiReset;
        string location = finding.Path.Length == 0 ? "" : $"{finding.Path}({finding.Line},{finding.Column}): ";
        return $"{location}{severity} {finding.Id}: {OneLine(finding.Message)}";
    }

    /// <summary>Messages of analyzer failures carry stack traces; a report line keeps the first line only.</summary>
    public static string OneLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
