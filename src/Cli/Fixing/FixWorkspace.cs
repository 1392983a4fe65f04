using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using PtLock.Cli.Analysis;
using PtLock.Cli.Input;

namespace PtLock.Cli.Fixing;

/// <summary>
/// An in-memory workspace holding the files as one project, compiled as <c>ptlock check</c> compiles them
/// (same references, options and implicit usings), which the code fixes edit. Nothing is written to disk
/// here.
/// </summary>
internal sealed class FixWorkspace : IDisposable
{
    private readonly AdhocWorkspace _workspace = new();

    public FixWorkspace(IReadOnlyList<SourceFile> files)
    {
        var project = _workspace.AddProject(ProjectInfo.Create(
            ProjectId.CreateNewId(), VersionStamp.Create(), AdhocCompilationSettings.AssemblyName, AdhocCompilationSettings.AssemblyName,
            LanguageNames.CSharp,
            compilationOptions: AdhocCompilationSettings.CompilationOptions,
            parseOptions: AdhocCompilationSettings.ParseOptions,
            metadataReferences: AnalysisReferences.All));
        var solution = project.Solution;
        foreach (var file in files)
        {
            var id = DocumentId.CreateNewId(project.Id, file.DisplayPath);
            solution = solution.AddDocument(DocumentInfo.Create(id, Path.GetFileName(file.FullPath),
                loader: TextLoader.From(TextAndVersion.Create(SourceText.From(file.Text, file.Encoding), VersionStamp.Create(), file.FullPath)),
                filePath: file.FullPath));
            Originals[id] = file;
        }
        solution = solution.AddDocument(DocumentId.CreateNewId(project.Id), AdhocCompilationSettings.GlobalUsingsName, AdhocCompilationSettings.GlobalUsingsText);
        if (!_workspace.TryApplyChanges(solution))
            throw new InvalidOperationException("the in-memory workspace refused the files");
        ProjectId = project.Id;
    }

    public ProjectId ProjectId { get; }

    /// <summary>The files as read, by the document that holds them.</summary>
    public Dictionary<DocumentId, SourceFile> Originals { get; } = [];

    public Solution CurrentSolution => _workspace.CurrentSolution;

    public void Dispose() => _workspace.Dispose();
}
