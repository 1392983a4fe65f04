using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace PtLock.Analyzers.Tests.Verifiers;

/// <summary>What test compilations reference: the .NET 8 reference pack, the contracts, and optionally the runtime.</summary>
internal static class TestReferences
{
    public static readonly ReferenceAssemblies Net80 = new(
        "net8.0",
        new PackageIdentity("Microsoft.NETCore.App.Ref", "8.0.28"),
        Path.Combine("ref", "net8.0"));

    /// <summary>For System.Threading.Lock (C# 13's lock type).</summary>
    public static readonly ReferenceAssemblies Net90 = new(
        "net9.0",
        new PackageIdentity("Microsoft.NETCore.App.Ref", "9.0.16"),
        Path.Combine("ref", "net9.0"));

    public static readonly MetadataReference Contracts =
        MetadataReference.CreateFromFile(typeof(PtLock.Contracts.RequiresAttribute).Assembly.Location);

    public static readonly MetadataReference Runtime =
        MetadataReference.CreateFromFile(typeof(PtLock.Ptl).Assembly.Location);
}
