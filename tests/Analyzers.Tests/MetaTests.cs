using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests;

/// <summary>The catalogue is consistent: IDs, help pages, release tracking, fix-all support.</summary>
public class MetaTests
{
    private static IEnumerable<DiagnosticDescriptor> Descriptors =>
        AllRulesVerifier.Analyzers.SelectMany(a => a.SupportedDiagnostics).Distinct();

    [Fact]
    public void EveryRuleHasOneAnalyzerAndAUniqueId()
    {
        var ids = AllRulesVerifier.Analyzers.SelectMany(a => a.SupportedDiagnostics.Select(d => d.Id)).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^PTL[0-9]{4}$", id));
    }

    [Fact]
    public void EveryHelpLinkPointsAtAnExistingRulePage()
    {
        foreach (var d in Descriptors)
        {
            Assert.Equal(PtLock.Analyzers.Descriptors.HelpLink(d.Id), d.HelpLinkUri);
            string page = Path.Combine(RepositoryFiles.Root, "docs", "rules", d.Id + ".md");
            Assert.True(File.Exists(page), $"{d.Id}: {page} is missing");
            string text = File.ReadAllText(page);
            foreach (var section in new[] { "## Cause", "## Why it matters", "## Example", "## How to fix", "## Configuration", "## When to suppress" })
                Assert.True(text.Contains(section, StringComparison.Ordinal), $"{d.Id}.md lacks '{section}'");
        }
    }

    [Fact]
    public void EveryRuleIsInTheUnshippedReleaseAndTheRulesIndex()
    {
        string unshipped = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "src", "Analyzers", "AnalyzerReleases.Unshipped.md"));
        string index = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "docs", "rules", "README.md"));
        foreach (var d in Descriptors)
        {
            Assert.Contains(d.Id + " | " + d.Category + " | " + d.DefaultSeverity, unshipped);
            Assert.Contains("[" + d.Id + "]", index);
        }
    }

    [Fact]
    public void EveryCodeFixSupportsFixAllAndFixesAKnownRule()
    {
        var ids = Descriptors.Select(d => d.Id).ToHashSet();
        var fixes = typeof(PtLock.CodeFixes.InsertReleaseCodeFix).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t)).ToList();
        Assert.NotEmpty(fixes);
        foreach (var type in fixes)
        {
            Assert.NotNull(type.GetCustomAttribute<ExportCodeFixProviderAttribute>());
            var fix = (CodeFixProvider)Activator.CreateInstance(type)!;
            Assert.NotNull(fix.GetFixAllProvider());
            Assert.All(fix.FixableDiagnosticIds, id => Assert.Contains(id, ids));
        }
    }
}
