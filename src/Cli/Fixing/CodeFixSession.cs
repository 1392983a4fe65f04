using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using PtLock.Cli.Analysis;
using PtLock.Cli.Input;

namespace PtLock.Cli.Fixing;

/// <summary>
/// Applies the PtLock code fixes one at a time: find the PTL diagnostics, apply the first code action any
/// fix provider offers for the first diagnostic that has one, and start over on the changed code, until no
/// remaining diagnostic has a fix. One at a time, because a fix changes the code the other diagnostics were
/// computed on (and one rule's fix may resolve another's diagnostic).
/// </summary>
internal sealed class CodeFixSession
{
    public const int MaxRounds = 100;

    private readonly IReadOnlyList<SourceFile> _files;
    private readonly IReadOnlySet<string> _rules;
    private readonly string _workingDirectory;
    private readonly EditorConfigSettings _editorConfig;

    /// <param name="rules">Only these rule IDs are fixed and reported; empty for all.</param>
    public CodeFixSession(IReadOnlyList<SourceFile> files, IReadOnlySet<string> rules, string workingDirectory)
    {
        _files = files;
        _rules = rules;
        _workingDirectory = workingDirectory;
        _editorConfig = EditorConfigSettings.Discover(files.Select(f => f.FullPath));
    }

    public async Task<FixOutcome> RunAsync(CancellationToken cancellationToken)
    {
        using var workspace = new FixWorkspace(_files);
        var solution = workspace.CurrentSolution;
        var applied = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var (diagnostics, compilationErrors) = await DiagnoseAsync(solution.GetProject(workspace.ProjectId)!, cancellationToken).ConfigureAwait(false);
        var initialErrors = compilationErrors;
        bool limitReached = false;

        for (int round = 0; diagnostics.Length > 0; round++)
        {
            if (round == MaxRounds)
            {
                limitReached = true;
                break;
            }
            var fixedSolution = await ApplyFirstFixAsync(solution, diagnostics, applied, cancellationToken).ConfigureAwait(false);
            if (fixedSolution is null)
                break;
            solution = fixedSolution;
            (diagnostics, _) = await DiagnoseAsync(solution.GetProject(workspace.ProjectId)!, cancellationToken).ConfigureAwait(false);
        }

        var changed = new List<(SourceFile, string)>();
        foreach (var (id, original) in workspace.Originals.OrderBy(o => o.Value.FullPath, StringComparer.Ordinal))
        {
            string text = (await solution.GetDocument(id)!.GetTextAsync(cancellationToken).ConfigureAwait(false)).ToString();
            text = LineEndings.Match(original.Text, text);
            if (text != original.Text)
                changed.Add((original, text));
        }
        var remaining = diagnostics.Select(d => Finding.From(d, _workingDirectory)).Order(Finding.ByLocation).ToList();
        var errors = initialErrors.Select(d => Finding.From(d, _workingDirectory)).Order(Finding.ByLocation).ToList();
        return new FixOutcome(changed, applied, remaining, limitReached, errors);
    }

    /// <summary>The solution after the first fix on offer, in diagnostic order; null when no diagnostic has one.</summary>
    private static async Task<Solution?> ApplyFirstFixAsync(Solution solution, ImmutableArray<Diagnostic> diagnostics, SortedDictionary<string, int> applied, CancellationToken cancellationToken)
    {
        foreach (var diagnostic in diagnostics)
        {
            var document = solution.GetDocument(diagnostic.Location.SourceTree);
            if (document is null)
                continue;
            foreach (var provider in PtLockRules.CodeFixProviders.Where(p => p.FixableDiagnosticIds.Contains(diagnostic.Id)))
            {
                var action = await FirstActionAsync(provider, document, diagnostic, cancellationToken).ConfigureAwait(false);
                if (action is null)
                    continue;
                var changed = await ChangedSolutionAsync(action, solution, cancellationToken).ConfigureAwait(false);
                // A fix that changes nothing would be offered again every round: try the next one instead.
                if (changed is null)
                    continue;
                applied[diagnostic.Id] = applied.GetValueOrDefault(diagnostic.Id) + 1;
                return changed;
            }
        }
        return null;
    }

    private static async Task<CodeAction?> FirstActionAsync(CodeFixProvider provider, Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), cancellationToken);
        await provider.RegisterCodeFixesAsync(context).ConfigureAwait(false);
        return actions.FirstOrDefault();
    }

    private static async Task<Solution?> ChangedSolutionAsync(CodeAction action, Solution solution, CancellationToken cancellationToken)
    {
        var operations = await action.GetOperationsAsync(cancellationToken).ConfigureAwait(false);
        var changed = operations.OfType<ApplyChangesOperation>().FirstOrDefault()?.ChangedSolution;
        if (changed is null)
            return null;
        bool anyTextChanged = changed.GetChanges(solution).GetProjectChanges().Any(p => p.GetChangedDocuments(onlyGetDocumentsWithTextChanges: true).Any());
        return anyTextChanged ? changed : null;
    }

    private async Task<(ImmutableArray<Diagnostic> Diagnostics, IReadOnlyList<Diagnostic> CompilationErrors)> DiagnoseAsync(Project project, CancellationToken cancellationToken)
    {
        var compilation = (CSharpCompilation)(await project.GetCompilationAsync(cancellationToken).ConfigureAwait(false))!;
        var outcome = await PtLockAnalysis.RunAsync(compilation, _editorConfig, cancellationToken).ConfigureAwait(false);
        var selected = outcome.PtLockDiagnostics
            .Where(d => _rules.Count == 0 || _rules.Contains(d.Id))
            .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToImmutableArray();
        return (selected, outcome.CompilationErrors);
    }
}
