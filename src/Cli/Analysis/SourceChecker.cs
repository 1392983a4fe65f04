using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using PtLock.Cli.Input;

namespace PtLock.Cli.Analysis;

/// <summary>
/// The check pipeline shared by <c>ptlock check</c> and the demo: gather the files, read them, compile them
/// ad hoc against the framework, the runtime and the contracts, and run the analyzers.
/// </summary>
internal static class SourceChecker
{
    public static IReadOnlyList<SourceFile> ReadFiles(IReadOnlyList<string> paths, string workingDirectory) =>
        SourceFileGatherer.Gather(paths, workingDirectory)
            .Select(path => SourceFileReader.Read(path, DisplayPaths.For(path, workingDirectory)))
            .ToList();

    public static async Task<CheckResult> CheckAsync(IReadOnlyList<string> paths, string workingDirectory, CancellationToken cancellationToken)
    {
        var files = ReadFiles(paths, workingDirectory);
        var references = AnalysisReferences.All;
        var editorConfig = EditorConfigSettings.Discover(files.Select(f => f.FullPath));
        var trees = files
            .Select(f => CSharpSyntaxTree.ParseText(SourceText.From(f.Text, f.Encoding), AdhocCompilationSettings.ParseOptions, f.FullPath, cancellationToken))
            .Append(CSharpSyntaxTree.ParseText(AdhocCompilationSettings.GlobalUsingsText, AdhocCompilationSettings.ParseOptions, "", cancellationToken));
        var compilation = CSharpCompilation.Create(AdhocCompilationSettings.AssemblyName, trees, references, AdhocCompilationSettings.CompilationOptions);
        var outcome = await PtLockAnalysis.RunAsync(compilation, editorConfig, cancellationToken).ConfigureAwait(false);
        return CheckResult.From(files, outcome, workingDirectory);
    }
}
