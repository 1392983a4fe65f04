using Microsoft.CodeAnalysis;

namespace PtLock.Analyzers.Tests;

/// <summary>The bundled samples, analysed as a user would see them: the bug they demonstrate is flagged, nothing else.</summary>
public class SampleTests
{
    [Fact]
    public async Task QuickstartFlagsOnlyTheMissingRecheck()
    {
        string path = Path.Combine(RepositoryFiles.Root, "samples", "Quickstart", "Program.cs");
        var globalUsings = ("GlobalUsings.g.cs", "global using System; global using System.Collections.Generic; global using System.Linq; global using System.Threading;");
        var (analyzer, compiler) = await InProcessAnalysis.RunAsync(new[] { (path, File.ReadAllText(path)), globalUsings }, withRuntime: true,
            new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        Assert.True(compiler.IsEmpty, string.Join("\n", compiler));
        var ours = analyzer.Where(d => d.Id.StartsWith("PTL", StringComparison.Ordinal) || d.Id == "AD0001").ToList();
        var only = Assert.Single(ours);
        Assert.Equal("PTL0003", only.Id);
        string line = File.ReadAllLines(path)[only.Location.GetLineSpan().StartLinePosition.Line];
        Assert.Contains("SetPteAt", line);
    }
}
