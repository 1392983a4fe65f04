using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace PtLock.Cli.Analysis;

/// <summary>
/// The analyzers and code fixes the tool hosts: every concrete <see cref="DiagnosticAnalyzer"/> of
/// PtLock.Analyzers and every <see cref="CodeFixProvider"/> of PtLock.CodeFixes, found by reflection so a
/// new rule or fix is picked up without touching the tool.
/// </summary>
internal static partial class PtLockRules
{
    public const string IdPrefix = "PTL";

    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } =
        Instantiate<DiagnosticAnalyzer>(typeof(PtLock.Analyzers.Descriptors).Assembly);

    /// <summary>Ordered by type name, so that "the first fix offered" is the same on every run.</summary>
    public static ImmutableArray<CodeFixProvider> CodeFixProviders { get; } =
        Instantiate<CodeFixProvider>(typeof(PtLock.CodeFixes.PtLockCodeFix).Assembly);

    /// <summary>Every PTL rule the analyzers can report, by ID, in ID order.</summary>
    public static ImmutableSortedDictionary<string, DiagnosticDescriptor> Descriptors { get; } = Analyzers
        .SelectMany(a => a.SupportedDiagnostics)
        .Where(d => IsPtLockId(d.Id))
        .GroupBy(d => d.Id, StringComparer.Ordinal)
        .ToImmutableSortedDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    public static bool IsPtLockId(string id) => id.StartsWith(IdPrefix, StringComparison.Ordinal);

    /// <summary>A rule ID as typed on the command line (any case), or an input error naming what is accepted.</summary>
    public static string ParseRuleId(string text)
    {
        string id = text.Trim().ToUpperInvariant();
        if (!RuleIdShape().IsMatch(id))
            throw new CliInputException($"'{text}' is not a rule ID (expected PTL followed by four digits, e.g. PTL0003)");
        if (!Descriptors.ContainsKey(id))
            throw new CliInputException($"unknown rule '{text}' (known rules: {string.Join(", ", Descriptors.Keys)})");
        return id;
    }

    [GeneratedRegex("^PTL[0-9]{4}$", RegexOptions.CultureInvariant)]
    private static partial Regex RuleIdShape();

    private static ImmutableArray<T> Instantiate<T>(System.Reflection.Assembly assembly) where T : class =>
        assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsClass: true } && typeof(T).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (T)Activator.CreateInstance(t)!)
            .ToImmutableArray();
}
