using System.Collections.Immutable;
using System.Reflection.PortableExecutable;
using System.Reflection.Metadata;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;

namespace PtLock.Cli.Analysis;

/// <summary>
/// What the ad-hoc compilation references: the framework assemblies of the .NET runtime the tool runs on,
/// plus PtLock.Runtime.dll and PtLock.Contracts.dll from the tool's own folder. Nothing else from the tool's
/// dependencies (Roslyn, the console libraries) leaks into the user's compilation.
/// </summary>
internal static class AnalysisReferences
{
    public const string RuntimeAssembly = "PtLock.Runtime.dll";
    public const string ContractsAssembly = "PtLock.Contracts.dll";

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_all = new(Load);

    /// <summary>Loaded once per process: reading some 170 framework assemblies' metadata is the slow part.</summary>
    public static ImmutableArray<MetadataReference> All => s_all.Value;

    private static ImmutableArray<MetadataReference> Load()
    {
        var references = FrameworkAssemblies().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
        foreach (string name in new[] { RuntimeAssembly, ContractsAssembly })
        {
            string path = Path.Combine(AppContext.BaseDirectory, name);
            if (!File.Exists(path))
                throw new CliInputException($"{name} is missing next to the tool (expected in {AppContext.BaseDirectory}); reinstall the tool");
            references.Add(MetadataReference.CreateFromFile(path));
        }
        return references.ToImmutableArray();
    }

    /// <summary>
    /// The trusted platform assemblies that live in the runtime's own folder (the list also names the
    /// application's dependencies, which are not the framework); without that list, every managed assembly
    /// of the runtime folder.
    /// </summary>
    private static IEnumerable<string> FrameworkAssemblies()
    {
        string runtimeDirectory = Path.TrimEndingDirectorySeparator(RuntimeEnvironment.GetRuntimeDirectory());
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string trusted && trusted.Length > 0)
        {
            var framework = trusted.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Where(p => string.Equals(Path.GetDirectoryName(p), runtimeDirectory, StringComparison.Ordinal))
                .ToList();
            if (framework.Count > 0)
                return framework.OrderBy(p => p, StringComparer.Ordinal);
        }
        return Directory.EnumerateFiles(runtimeDirectory, "*.dll").Where(IsManagedAssembly).OrderBy(p => p, StringComparer.Ordinal);
    }

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new PEReader(stream);
            return reader.HasMetadata && reader.GetMetadataReader().IsAssembly;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
