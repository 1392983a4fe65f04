namespace PtLock.Package.Tests;

/// <summary>A fresh project in its own folder that references the packed PtLock package by version.</summary>
internal sealed class Consumer
{
    private readonly PackedPackage _package;

    public Consumer(PackedPackage package, string name, string code, string? editorConfig = null)
    {
        Assert.True(package.PackOutput is null, "dotnet pack failed:\n" + package.PackOutput);
        _package = package;
        Folder = Path.Combine(package.WorkFolder, name);
        Directory.CreateDirectory(Folder);
        File.WriteAllText(Path.Combine(Folder, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Library</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="PtLock" Version="{package.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(Folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="ptlock-under-test" value="{package.Feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(Folder, "Code.cs"), code);
        if (editorConfig is not null)
            File.WriteAllText(Path.Combine(Folder, ".editorconfig"), "root = true\n\n[*.cs]\n" + editorConfig);
    }

    public string Folder { get; }

    public (int ExitCode, string Output) Build(params string[] extra) =>
        DotnetCli.Run(Folder, _package.PackagesFolder, new[] { "build", "--nologo", "-c", "Release" }.Concat(extra).ToArray());
}
