using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace PtLock.Cli.Analysis;

/// <summary>
/// The settings of the compilation the tool builds instead of evaluating a project: latest C#, nullable
/// enabled, a library, and the implicit global usings the .NET SDK adds to console and library projects.
/// </summary>
internal static class AdhocCompilationSettings
{
    public const string AssemblyName = "PtLockChecked";

    /// <summary>Not a file on disk: diagnostics are never reported against it.</summary>
    public const string GlobalUsingsName = "PtLock.ImplicitUsings.g.cs";

    public static readonly IReadOnlyList<string> ImplicitNamespaces =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Threading", "System.Threading.Tasks"];

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    public static CSharpCompilationOptions CompilationOptions { get; } = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable,
        allowUnsafe: true,
        concurrentBuild: true);

    public static SourceText GlobalUsingsText { get; } =
        SourceText.From(string.Concat(ImplicitNamespaces.Select(n => $"global using global::{n};\n")), System.Text.Encoding.UTF8);
}
