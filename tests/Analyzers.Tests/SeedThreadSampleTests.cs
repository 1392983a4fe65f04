using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests;

/// <summary>
/// samples/SeedThreads: each pre-fix port raises exactly its rules, each post-fix port none, and applying the
/// code fixes to a pre-fix port (where every rule it raises has one) yields code the analyzers accept and
/// that compiles.
/// </summary>
public class SeedThreadSampleTests
{
    private static readonly string Folder = Path.Combine(RepositoryFiles.Root, "samples", "SeedThreads");

    public static TheoryData<string, string[]> Ports() => new()
    {
        { "Thread000_004_RetractPageTables.PreFix.cs", new[] { "PTL0001", "PTL0002" } },
        { "Thread000_004_RetractPageTables.PostFix.cs", Array.Empty<string>() },
        { "Thread001_HugetlbFault.PreFix.cs", new[] { "PTL0008" } },
        { "Thread001_HugetlbFault.PostFix.cs", Array.Empty<string>() },
        { "Thread002_ZapPteRange.PreFix.cs", new[] { "PTL0009" } },
        { "Thread002_ZapPteRange.PostFix.cs", Array.Empty<string>() },
        { "Thread003_FinishFault.PreFix.cs", new[] { "PTL0003" } },
        { "Thread003_FinishFault.PostFix.cs", Array.Empty<string>() },
        { "Thread004_TryToFreePte.PreFix.cs", new[] { "PTL0001" } },
        { "Thread004_TryToFreePte.PostFix.cs", Array.Empty<string>() },
    };

    [Theory]
    [MemberData(nameof(Ports))]
    public async Task PortRaisesExactlyItsRules(string file, string[] expected)
    {
        var (analyzer, compiler) = await InProcessAnalysis.RunAsync(new[] { Read(file), GlobalUsings }, withRuntime: true);
        Assert.True(compiler.IsEmpty, string.Join("\n", compiler));
        var ids = analyzer.Where(d => d.Id.StartsWith("PTL", StringComparison.Ordinal) || d.Id == "AD0001").Select(d => d.Id).OrderBy(x => x).ToArray();
        Assert.Equal(expected.OrderBy(x => x), ids);
    }

    [Theory]
    [InlineData("Thread003_FinishFault.PreFix.cs", "PteNone(PtepGet(pte))")]
    [InlineData("Thread001_HugetlbFault.PreFix.cs", "HugetlbVmaLockRead(vma);")]
    [InlineData("Thread000_004_RetractPageTables.PreFix.cs", "if (Khugepaged.CheckPmdState(pmd) != ScanResult.Succeed)")]
    [InlineData("Thread002_ZapPteRange.PreFix.cs", "ZapInstallUffdWpIfNeeded(vma, addr, pte, null, ptent);")]
    [InlineData("Thread004_TryToFreePte.PreFix.cs", "if (PmdSame(pmdval, PmdpGet(pmd)))")]
    public async Task FixingAPreFixPortYieldsCleanCompilingCode(string file, string fixedShape)
    {
        var (path, text) = Read(file);
        using var workspace = new AdhocWorkspace();
        var project = workspace.AddProject("SeedThreads", LanguageNames.CSharp)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable))
            .WithParseOptions(new CSharpParseOptions(LanguageVersion.Latest))
            .WithMetadataReferences(InProcessAnalysis.References(withRuntime: true));
        project = project.AddDocument("GlobalUsings.g.cs", GlobalUsings.Text).Project;
        var document = project.AddDocument(Path.GetFileName(path), text);
        var fixes = typeof(PtLock.CodeFixes.InsertReleaseCodeFix).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t))
            .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!).ToList();

        for (int round = 0; round < 10; round++)
        {
            var diagnostics = await Diagnose(document);
            if (diagnostics.IsEmpty)
                break;
            // The first diagnostic some fix has an answer for (a rule may defer to another's fix).
            CodeAction? action = null;
            foreach (var diagnostic in diagnostics)
            {
                foreach (var fix in fixes.Where(f => f.FixableDiagnosticIds.Contains(diagnostic.Id)))
                {
                    var actions = new List<CodeAction>();
                    await fix.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (a, _) => actions.Add(a), CancellationToken.None));
                    action ??= actions.FirstOrDefault();
                }
                if (action is not null)
                    break;
            }
            Assert.True(action is not null, "no code fix offers anything for: " + string.Join("; ", diagnostics));
            var apply = (await action!.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>().Single();
            document = apply.ChangedSolution.GetDocument(document.Id)!;
        }

        Assert.Empty(await Diagnose(document));
        var compilation = (await document.Project.GetCompilationAsync())!;
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Contains(fixedShape, (await document.GetTextAsync()).ToString());
    }

    private static async Task<ImmutableArray<Diagnostic>> Diagnose(Document document)
    {
        var compilation = (await document.Project.GetCompilationAsync())!;
        var diagnostics = await compilation.WithAnalyzers(AllRulesVerifier.Analyzers).GetAnalyzerDiagnosticsAsync();
        return diagnostics.Where(d => d.Id.StartsWith("PTL", StringComparison.Ordinal)).ToImmutableArray();
    }

    private static (string Path, string Text) Read(string file)
    {
        string path = Path.Combine(Folder, file);
        return (path, File.ReadAllText(path));
    }

    private static readonly (string Path, string Text) GlobalUsings = ("GlobalUsings.g.cs",
        "global using System; global using System.Collections.Generic; global using System.Linq; global using System.Threading;");
}
