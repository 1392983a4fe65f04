using System.Diagnostics;

namespace PtLock.Analyzers.Tests;

/// <summary>
/// The product promise: a project that references the one PtLock package gets the runtime API and, in its own
/// build, the analyzers. Packs the built runtime under a version no cache has seen, restores it into a private
/// package folder from a private feed, and builds a consumer with a known PTL0003 bug.
/// </summary>
public class PackageConsumptionTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private const string ConsumerCode = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.PgtableGeneric;

        static class Consumer
        {
            static void Main() { }

            // finish_fault before thread 003's fix: installs without the recheck under the ptl.
            static void Install(Mm mm, Pmd pmd, ulong addr, PteVal entry)
            {
                var pte = PteOffsetMapLock(mm, pmd, addr, out var ptl);
                if (pte == null)
                    return;
                SetPteAt(mm, addr, pte, entry);
                PteUnmapUnlock(pte, ptl);
            }
        }
        """;

    [Fact]
    public void AConsumerOfThePackageGetsTheRuntimeAndTheAnalyzers()
    {
        string work = Path.Combine(Path.GetTempPath(), "ptlock-consume-" + Guid.NewGuid().ToString("N"));
        string feed = Path.Combine(work, "feed");
        string consumer = Path.Combine(work, "consumer");
        Directory.CreateDirectory(consumer);
        try
        {
            string version = "0.0.0-consume." + DateTime.UtcNow.ToString("yyyyMMddHHmmss");
            var pack = Run(RepositoryFiles.Root, work, "pack", Path.Combine("src", "Runtime", "PtLock.Runtime.csproj"),
                "-c", Configuration, "--no-build", "--nologo", "-p:Version=" + version, "-p:PackageOutputPath=" + feed);
            Assert.True(pack.ExitCode == 0, "dotnet pack failed (the test needs the runtime built in " + Configuration + "):\n" + pack.Output);

            File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="PtLock" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="ptlock-under-test" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(consumer, "Consumer.cs"), ConsumerCode);

            var build = Run(consumer, work, "build", "--nologo", "-c", "Release");
            Assert.True(build.ExitCode != 0, "the consumer's build should fail on PTL0003:\n" + build.Output);
            Assert.Contains("error PTL0003", build.Output);
            Assert.Contains("docs/rules/PTL0003.md", build.Output);
            Assert.DoesNotContain("error CS", build.Output);   // the runtime API resolved from lib/
            Assert.DoesNotContain("AD0001", build.Output);     // no analyzer crashed
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static (int ExitCode, string Output) Run(string directory, string work, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        // The test host runs inside an SDK build: its MSBuild variables would steer the nested build.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        start.Environment["NUGET_PACKAGES"] = Path.Combine(work, "packages");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out after 5 minutes: dotnet " + string.Join(" ", arguments));
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
