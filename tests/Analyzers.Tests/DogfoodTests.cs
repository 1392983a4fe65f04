using Microsoft.CodeAnalysis;

namespace PtLock.Analyzers.Tests;

/// <summary>The runtime is written in its own contracts: its faithful kernel ports must analyse clean.</summary>
public class DogfoodTests
{
    [Fact]
    public async Task RuntimeSourcesHaveNoLockDiagnostics()
    {
        int errorsBefore = Engine.LockEngine.InternalErrors;
        var files = RepositoryFiles.SourcesUnder(Path.Combine("src", "Runtime")).Select(p => (p, File.ReadAllText(p))).ToList();
        Assert.NotEmpty(files);
        var globalUsings = ("GlobalUsings.g.cs", "global using System; global using System.Collections.Generic; global using System.Linq; global using System.Threading; global using System.Threading.Tasks; global using System.IO;");
        var (analyzer, compiler) = await InProcessAnalysis.RunAsync(files.Append(globalUsings), withRuntime: false);
        Assert.True(compiler.IsEmpty, "the runtime sources must compile here: " + string.Join("\n", compiler.Take(10)));
        var ours = analyzer.Where(d => d.Id.StartsWith("PTL", StringComparison.Ordinal) || d.Id == "AD0001").ToList();
        Assert.True(ours.Count == 0, string.Join("\n", ours.Select(d => d.ToString())));
        Assert.Equal(errorsBefore, Engine.LockEngine.InternalErrors);
    }
}
