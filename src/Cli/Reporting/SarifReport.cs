using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using PtLock.Cli.Analysis;

namespace PtLock.Cli.Reporting;

/// <summary>
/// <c>--format sarif</c>: SARIF 2.1.0, the format code-scanning services ingest. One run; the driver lists
/// every PTL rule (ID, title, description, help link, default level); results carry the effective level
/// after .editorconfig. Paths below the working directory are relative URIs against SRCROOT, so uploaded
/// results map onto the repository; compiler errors and analyzer failures become tool notifications.
/// </summary>
internal static class SarifReport
{
    public const string SrcRoot = "SRCROOT";

    // Read by people and code-scanning tools, never embedded in HTML: keep quotes and apostrophes as they are.
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(CheckResult result, TextWriter writer, string workingDirectory)
    {
        var ruleIds = PtLockRules.Descriptors.Keys.ToList();
        var run = new JsonObject
        {
            ["tool"] = new JsonObject
            {
                ["driver"] = new JsonObject
                {
                    ["name"] = "ptlock",
                    ["semanticVersion"] = ToolVersion(),
                    ["rules"] = new JsonArray(PtLockRules.Descriptors.Values.Select(Rule).ToArray<JsonNode?>()),
                },
            },
            ["originalUriBaseIds"] = new JsonObject
            {
                [SrcRoot] = new JsonObject { ["uri"] = new Uri(Path.TrimEndingDirectorySeparator(workingDirectory) + Path.DirectorySeparatorChar).AbsoluteUri },
            },
            ["invocations"] = new JsonArray(new JsonObject
            {
                ["executionSuccessful"] = true,
                ["toolExecutionNotifications"] = new JsonArray(result.CompilationErrors.Concat(result.AnalyzerFailures).Select(Notification).ToArray<JsonNode?>()),
            }),
            ["results"] = new JsonArray(result.Findings.Select(f => Result(f, ruleIds)).ToArray<JsonNode?>()),
        };
        var log = new JsonObject
        {
            ["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json",
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(run),
        };
        writer.WriteLine(log.ToJsonString(Indented));
    }

    private static JsonObject Rule(DiagnosticDescriptor descriptor)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        var rule = new JsonObject
        {
            ["id"] = descriptor.Id,
            ["shortDescription"] = new JsonObject { ["text"] = descriptor.Title.ToString(culture) },
            ["fullDescription"] = new JsonObject { ["text"] = descriptor.Description.ToString(culture) },
            ["defaultConfiguration"] = new JsonObject
            {
                ["level"] = SeverityNames.SarifLevel(descriptor.DefaultSeverity),
                ["enabled"] = descriptor.IsEnabledByDefault,
            },
            ["properties"] = new JsonObject { ["category"] = descriptor.Category },
        };
        if (!string.IsNullOrEmpty(descriptor.HelpLinkUri))
            rule["helpUri"] = descriptor.HelpLinkUri;
        return rule;
    }

    private static JsonObject Result(Finding finding, List<string> ruleIds)
    {
        var result = new JsonObject
        {
            ["ruleId"] = finding.Id,
            ["level"] = SeverityNames.SarifLevel(finding.Severity),
            ["message"] = new JsonObject { ["text"] = finding.Message },
        };
        int index = ruleIds.IndexOf(finding.Id);
        if (index >= 0)
            result["ruleIndex"] = index;
        if (finding.FullPath is not null)
            result["locations"] = new JsonArray(Location(finding));
        return result;
    }

    private static JsonObject Notification(Finding finding)
    {
        var notification = new JsonObject
        {
            ["level"] = SeverityNames.SarifLevel(finding.Severity),
            ["message"] = new JsonObject { ["text"] = DiagnosticLines.OneLine(finding.Message) },
            ["descriptor"] = new JsonObject { ["id"] = finding.Id },
        };
        if (finding.FullPath is not null)
            notification["locations"] = new JsonArray(Location(finding));
        return notification;
    }

    private static JsonObject Location(Finding finding)
    {
        bool relative = !Path.IsPathRooted(finding.Path);
        var artifact = new JsonObject
        {
            ["uri"] = relative ? string.Join('/', finding.Path.Split(Path.DirectorySeparatorChar).Select(Uri.EscapeDataString)) : new Uri(finding.FullPath!).AbsoluteUri,
        };
        if (relative)
            artifact["uriBaseId"] = SrcRoot;
        return new JsonObject
        {
            ["physicalLocation"] = new JsonObject
            {
                ["artifactLocation"] = artifact,
                ["region"] = new JsonObject
                {
                    ["startLine"] = finding.Line,
                    ["startColumn"] = finding.Column,
                    ["endLine"] = finding.EndLine,
                    ["endColumn"] = finding.EndColumn,
                },
            },
        };
    }

    private static string ToolVersion()
    {
        var assembly = typeof(SarifReport).Assembly;
        string? informational = (Attribute.GetCustomAttribute(assembly, typeof(System.Reflection.AssemblyInformationalVersionAttribute))
            as System.Reflection.AssemblyInformationalVersionAttribute)?.InformationalVersion;
        // The SDK appends "+<commit>" to the informational version; SARIF's semanticVersion may carry it, but keep it short.
        return (informational ?? assembly.GetName().Version?.ToString() ?? "0.0.0").Split('+')[0];
    }
}
