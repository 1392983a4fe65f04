using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests;

/// <summary>
/// Generated code is not checked: a generated file (by name, header or option) and code marked <c>[GeneratedCode]</c>,
/// by the analyzer driver's own rule. PtLock decides this itself rather than through the driver, so each case is
/// compared with what the driver lets through, and paired with the same code unmarked, which must be reported.
/// </summary>
public class GeneratedCodeTests
{
    private const string Prelude = """
        using System.CodeDom.Compiler;
        using PtLock.Contracts;
        [Capability("mutex")] public sealed class Mu { [Acquires("this")] public void Lock() { } [Releases("this")] public void Unlock() { } }

        """;

    private const string Leak = "void Leak() { mu.Lock(); }";

    private static async Task<int> HeldAtExitCount(params (string Path, string Text)[] files)
    {
        var (analyzer, compiler) = await InProcessAnalysis.RunAsync(files, withRuntime: false);
        Assert.Empty(compiler);
        Assert.DoesNotContain(analyzer, d => d.Id == "AD0001");
        int count = analyzer.Count(d => d.Id == "PTL1005");
        Assert.Equal(await DriverCount(files), count);
        return count;
    }

    /// <summary>
    /// What the analyzer driver itself would let through: a probe that leaves generated code to the driver
    /// (GeneratedCodeAnalysisFlags.None) reports where PTL1005 does, at the end of each method body that locks. Every
    /// case below must agree with it.
    /// </summary>
    private static async Task<int> DriverCount((string Path, string Text)[] files)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create("Probe", files.Select(f => CSharpSyntaxTree.ParseText(f.Text, parse, f.Path)),
            InProcessAnalysis.References(withRuntime: false), new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DriverProbe())).GetAnalyzerDiagnosticsAsync();
        return diagnostics.Count(d => d.Id == DriverProbe.Id);
    }

    // A test instrument run in-process only, never shipped nor loaded by a compiler: no registration attribute, no
    // release tracking.
#pragma warning disable RS1001, RS2008
    private sealed class DriverProbe : DiagnosticAnalyzer
    {
        public const string Id = "PROBE1";
        private static readonly DiagnosticDescriptor Rule = new(Id, "Probe", "Probe", "Test", DiagnosticSeverity.Warning, isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterSyntaxTreeAction(tree =>
            {
                foreach (var block in tree.Tree.GetRoot(tree.CancellationToken).DescendantNodes().OfType<BlockSyntax>())
                    if (block.Parent is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax && block.ToString().Contains("mu.Lock()", StringComparison.Ordinal))
                        tree.ReportDiagnostic(Diagnostic.Create(Rule, block.CloseBraceToken.GetLocation()));
            });
        }
    }
#pragma warning restore RS1001, RS2008

    [Theory] // {0} is where the attribute goes: marked, nothing is reported; unmarked, the leak is
    [InlineData("{0} class C { Mu mu = new(); void Leak() { mu.Lock(); } }")] // on the type
    [InlineData("{0} class Outer { class C { Mu mu = new(); void Leak() { mu.Lock(); } } }")] // on an enclosing type
    [InlineData("class C { Mu mu = new(); {0} int P { get { mu.Lock(); return 1; } } }")] // on a property whose accessor leaks
    public async Task AttributeOnTheDeclarationOrAroundIt(string shape)
    {
        Assert.Equal(0, await HeldAtExitCount(("a.cs", Prelude + shape.Replace("{0}", "[GeneratedCode(\"tool\", \"1\")]", StringComparison.Ordinal))));
        Assert.Equal(1, await HeldAtExitCount(("a.cs", Prelude + shape.Replace("{0}", "", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task AttributeOnOneMemberLeavesItsNeighbourChecked()
    {
        string code = Prelude + "class C { Mu mu = new(); [GeneratedCode(\"tool\", \"1\")] " + Leak + " void Other() { mu.Lock(); } }";
        var (analyzer, compiler) = await InProcessAnalysis.RunAsync(new[] { ("a.cs", code) }, withRuntime: false);
        Assert.Empty(compiler);
        var reported = Assert.Single(analyzer, d => d.Id == "PTL1005");
        var method = reported.Location.SourceTree!.GetRoot().FindNode(reported.Location.SourceSpan).FirstAncestorOrSelf<MethodDeclarationSyntax>();
        Assert.Equal("Other", method?.Identifier.Text);
    }

    // The driver's rule, followed here: a symbol declared in several parts is never generated code by its attribute
    // (the attribute can only be on one part), and the file of the finding must name the attribute.
    [Fact]
    public async Task AttributeOnOnePartOfAPartialTypeDoesNotMarkTheOtherPart()
    {
        var code = ("b.cs", "partial class C { Mu mu = new(); " + Leak + " }");
        Assert.Equal(1, await HeldAtExitCount(("a.cs", Prelude + "[GeneratedCode(\"tool\", \"1\")] partial class C { }"), code));
        Assert.Equal(1, await HeldAtExitCount(("a.cs", Prelude + "[GeneratedCode(\"tool\", \"1\")] partial class C { }"),
            ("b.cs", "partial class C { Mu mu = new(); " + Leak + " string S => \"GeneratedCode\"; }"))); // even where the file names it
        Assert.Equal(1, await HeldAtExitCount(("a.cs", Prelude + "[GeneratedCode(\"tool\", \"1\")] partial class C { Mu mu = new(); " + Leak + " }"), ("b.cs", "partial class C { }")));
    }

    [Fact]
    public async Task AttributeOnTheDeclaringPartOfAPartialMethodInAnotherFile()
    {
        var declaring = ("a.cs", Prelude + "partial class C { [GeneratedCode(\"tool\", \"1\")] partial void Leak(); }");
        Assert.Equal(1, await HeldAtExitCount(declaring, ("b.cs", "partial class C { Mu mu = new(); partial void Leak() { mu.Lock(); } }")));
        // Where the implementing file names the attribute, the driver finds it on the method (both parts' attributes).
        Assert.Equal(0, await HeldAtExitCount(declaring, ("b.cs", "using System.CodeDom.Compiler; partial class C { Mu mu = new(); partial void Leak() { mu.Lock(); } string S => nameof(GeneratedCodeAttribute); }")));
    }

    [Fact] // an assembly-wide attribute marks everything, in a file that names the attribute
    public async Task AttributeOnTheAssembly()
    {
        var assembly = ("a.cs", Prelude.Replace("[Capability", "[assembly: GeneratedCode(\"tool\", \"1\")]\n[Capability", StringComparison.Ordinal));
        Assert.Equal(0, await HeldAtExitCount(assembly, ("b.cs", "class C { Mu mu = new(); " + Leak + " string S => \"GeneratedCode\"; }")));
        Assert.Equal(1, await HeldAtExitCount(assembly, ("b.cs", "class C { Mu mu = new(); " + Leak + " }")));
    }

    [Fact]
    public async Task MarkedOuterTypeAroundAPartialNestedType()
    {
        string outer = Prelude + "[GeneratedCode(\"tool\", \"1\")] class Outer { partial class C { Mu mu = new(); " + Leak + " } partial class C { } }";
        Assert.Equal(0, await HeldAtExitCount(("a.cs", outer)));
    }

    [Fact]
    public async Task AnAttributeOfTheSameNameElsewhereDoesNotCount()
    {
        string own = "namespace Mine { class GeneratedCodeAttribute : System.Attribute { public GeneratedCodeAttribute(string a, string b) { } } }\n";
        Assert.Equal(1, await HeldAtExitCount(("a.cs", Prelude.Replace("using System.CodeDom.Compiler;", "using Mine;", StringComparison.Ordinal) + own
            + "[GeneratedCode(\"tool\", \"1\")] class C { Mu mu = new(); " + Leak + " }")));
    }

    [Theory]
    [InlineData("a.g.cs", "")]
    [InlineData("a.designer.cs", "")]
    [InlineData("a.cs", "// <auto-generated/>\n")]
    public async Task GeneratedFiles(string path, string header)
    {
        Assert.Equal(0, await HeldAtExitCount((path, header + Prelude + "class C { Mu mu = new(); " + Leak + " }")));
        Assert.Equal(1, await HeldAtExitCount(("a.cs", Prelude + "class C { Mu mu = new(); " + Leak + " }")));
    }

    [Theory] // generated_code in .editorconfig marks a file generated: nothing reported there, the rule still on elsewhere
    [InlineData(true, "")]
    [InlineData(false, "{|PTL1005:")]
    public async Task GeneratedCodeOption(bool generated, string expectOpen)
    {
        var test = new AllRulesVerifier.Test(withRuntime: false)
        {
            TestCode = Prelude + "class C { Mu mu = new(); void Leak() { mu.Lock(); " + expectOpen + "}" + (expectOpen.Length > 0 ? "|}" : "") + " }",
        };
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", $"root = true\n[*.cs]\ngenerated_code = {(generated ? "true" : "false")}\n"));
        await test.RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ZapPathInGeneratedCode()
    {
        const string zap = """
            using PtLock;
            using static PtLock.Pgtable;
            using static PtLock.PgtableGeneric;
            static class K
            {
                [PtLock.Contracts.ZapPath]
                static void Zap(Vma vma, Pmd pmd, ulong addr)
                {
                    var pte = PteOffsetMapLock(vma.Mm, pmd, addr, out var ptl);
                    if (pte == null)
                        return;
                    var old = PtepGetAndClear(vma.Mm, addr, pte);
                    PteUnmapUnlock(pte, ptl);
                }
            }
            """;
        async Task<int> Count(string text)
        {
            var (analyzer, compiler) = await InProcessAnalysis.RunAsync(new[] { ("z.cs", text) }, withRuntime: true);
            Assert.Empty(compiler);
            return analyzer.Count(d => d.Id == "PTL0009");
        }
        Assert.Equal(1, await Count(zap));
        Assert.Equal(0, await Count(zap.Replace("static class K", "[System.CodeDom.Compiler.GeneratedCode(\"tool\", \"1\")] static class K", StringComparison.Ordinal)));
        Assert.Equal(0, await Count("// <auto-generated/>\n" + zap));
    }
}
