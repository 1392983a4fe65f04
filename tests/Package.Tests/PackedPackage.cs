namespace PtLock.Package.Tests;

/// <summary>
/// The PtLock package packed once from the runtime's build output, under a version no package cache has
/// seen, into a private feed; consumers restore it into a private package folder.
/// </summary>
public sealed class PackedPackage : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public PackedPackage()
    {
        WorkFolder = Path.Combine(Path.GetTempPath(), "ptlock-consume-" + Guid.NewGuid().ToString("N"));
        Feed = Path.Combine(WorkFolder, "feed");
        PackagesFolder = Path.Combine(WorkFolder, "packages");
        Directory.CreateDirectory(Feed);
        Version = "0.0.0-consume." + DateTime.UtcNow.ToString("yyyyMMddHHmmss");
        var pack = DotnetCli.Run(PtLock.Analyzers.Tests.RepositoryFiles.Root, PackagesFolder, "pack", Path.Combine("src", "Runtime", "PtLock.Runtime.csproj"),
            "-c", Configuration, "--no-build", "--nologo", "-p:Version=" + Version, "-p:PackageOutputPath=" + Feed);
        PackOutput = pack.ExitCode == 0 ? null : pack.Output;
    }

    public string WorkFolder { get; }
    public string Feed { get; }
    public string PackagesFolder { get; }
    public string Version { get; }

    /// <summary>The pack's output when it failed (the runtime must be built in this configuration first), else null.</summary>
    public string? PackOutput { get; }

    public void Dispose()
    {
        try { Directory.Delete(WorkFolder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
