using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests;

/// <summary>
/// A simulator may compile the contract attributes into its own library instead of referencing PtLock.Contracts.
/// Its consumers, which reference only that library, are checked against its annotations like anyone else.
/// </summary>
public class ContractsCompiledInTests
{
    private const string Library = """
        using PtLock.Contracts;

        namespace OtherSim;

        [Capability("mutex")]
        public sealed class Mu
        {
            [Acquires("this")] public void Lock() { }
            [Releases("this")] public void Unlock() { }
        }

        public sealed class Counter
        {
            public readonly Mu Gate = new Mu();
            [GuardedBy("Gate")] public int Hits;
            [Requires("Gate")] public void Bump() => Hits++;
        }
        """;

    private const string Consumer = """
        using OtherSim;

        public static class Use
        {
            public static int Read(Counter c) => c.Hits;
            public static void Call(Counter c) => c.Bump();
            public static void Leak(Counter c) => c.Gate.Lock();
        }
        """;

    [Fact]
    public async Task AnnotationsFromALibraryWithTheContractsCompiledInAreEnforced()
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var framework = InProcessAnalysis.References(withRuntime: false).Where(r => !r.Display!.Contains("PtLock.Contracts", StringComparison.Ordinal)).ToImmutableArray();
        var contractSources = RepositoryFiles.SourcesUnder(Path.Combine("src", "Contracts")).Select(p => CSharpSyntaxTree.ParseText(File.ReadAllText(p), parse, p));
        var library = CSharpCompilation.Create("OtherSim", contractSources.Append(CSharpSyntaxTree.ParseText(Library, parse, "Library.cs")), framework,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = library.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));

        var consumer = CSharpCompilation.Create("Consumer", new[] { CSharpSyntaxTree.ParseText(Consumer, parse, "Consumer.cs") },
            framework.Add(MetadataReference.CreateFromImage(image.ToArray())),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Assert.DoesNotContain(consumer.ReferencedAssemblyNames, a => a.Name == "PtLock.Contracts");
        var diagnostics = await consumer.WithAnalyzers(AllRulesVerifier.Analyzers).GetAnalyzerDiagnosticsAsync();

        var ids = diagnostics.Select(d => d.Id).OrderBy(id => id).ToArray();
        Assert.Equal(new[] { "PTL1001", "PTL1002", "PTL1005" }, ids);
    }
}
