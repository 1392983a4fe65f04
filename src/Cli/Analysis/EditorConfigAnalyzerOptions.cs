using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace PtLock.Cli.Analysis;

/// <summary>The .editorconfig key/value pairs for each file, as analyzers and the analyzer driver read them.</summary>
internal sealed class EditorConfigAnalyzerOptions(EditorConfigSettings settings) : AnalyzerConfigOptionsProvider
{
    public override AnalyzerConfigOptions GlobalOptions => new ConfigValues(settings.GlobalOptions.AnalyzerOptions);

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => ForPath(tree.FilePath);

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => ForPath(textFile.Path);

    private ConfigValues ForPath(string path) =>
        new(path.Length == 0 ? System.Collections.Immutable.ImmutableDictionary<string, string>.Empty : settings.OptionsFor(path).AnalyzerOptions);
}
