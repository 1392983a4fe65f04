using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace PtLock.Cli.Analysis;

/// <summary>
/// The .editorconfig files that apply to the analysed files (in their folders and every parent folder, up
/// to one marked <c>root = true</c>), combined by Roslyn's own <see cref="AnalyzerConfigSet"/> so that
/// <c>dotnet_diagnostic.PTLxxxx.severity</c> (including <c>none</c>) and the category-wide
/// <c>dotnet_analyzer_diagnostic.*</c> settings mean what they mean in a build.
/// </summary>
internal sealed class EditorConfigSettings
{
    public const string FileName = ".editorconfig";

    private readonly AnalyzerConfigSet _set;
    private readonly ConcurrentDictionary<string, AnalyzerConfigOptionsResult> _byPath = new(StringComparer.Ordinal);

    private EditorConfigSettings(AnalyzerConfigSet set) => _set = set;

    /// <summary>
    /// Every .editorconfig in the files' folders and their parents. The set itself applies <c>root = true</c>
    /// (a root file discards what its parents say), so the walk need not interpret the files.
    /// </summary>
    public static EditorConfigSettings Discover(IEnumerable<string> sourcePaths)
    {
        var parsed = new Dictionary<string, AnalyzerConfig?>(StringComparer.Ordinal);
        foreach (string folder in sourcePaths.Select(Path.GetDirectoryName).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            for (var dir = new DirectoryInfo(folder); dir is not null && !parsed.ContainsKey(dir.FullName); dir = dir.Parent)
                parsed[dir.FullName] = TryParse(Path.Combine(dir.FullName, FileName));
        }
        var configs = parsed.OrderBy(p => p.Key.Length).Select(p => p.Value).OfType<AnalyzerConfig>().ToList();
        return new EditorConfigSettings(AnalyzerConfigSet.Create(configs, out _));
    }

    public AnalyzerConfigOptionsResult OptionsFor(string sourcePath) => _byPath.GetOrAdd(sourcePath, _set.GetOptionsForSourcePath);

    public AnalyzerConfigOptionsResult GlobalOptions => _set.GlobalConfigOptions;

    /// <summary>The compilation with per-file severities from the configuration; trees are matched by file path.</summary>
    public CSharpCompilation ApplyTo(CSharpCompilation compilation) =>
        compilation.WithOptions(compilation.Options.WithSyntaxTreeOptionsProvider(new EditorConfigTreeOptions(this)));

    /// <summary>The options analyzers see, and through which the driver applies the category-wide severities.</summary>
    public AnalyzerOptions AnalyzerOptions => new(ImmutableArray<AdditionalText>.Empty, new EditorConfigAnalyzerOptions(this));

    private static AnalyzerConfig? TryParse(string path)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            return AnalyzerConfig.Parse(File.ReadAllText(path), path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"cannot read '{path}': {e.Message}", e);
        }
    }
}
