namespace PtLock.Cli.Input;

/// <summary>
/// Turns the paths on the command line into the C# files to analyse: a .cs file as itself, a folder as every
/// *.cs below it, a .csproj as its folder (no MSBuild evaluation: docs/cli.md explains). Build output
/// folders (bin/, obj/) are skipped: they hold generated copies, not the user's sources.
/// </summary>
internal static class SourceFileGatherer
{
    private static readonly string[] SkippedFolders = ["bin", "obj"];

    /// <summary>The full paths of the files, sorted and without duplicates; no paths means the working directory.</summary>
    public static IReadOnlyList<string> Gather(IReadOnlyList<string> paths, string workingDirectory)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        var roots = paths.Count == 0 ? ["."] : paths;
        foreach (string path in roots)
        {
            if (string.IsNullOrWhiteSpace(path))
                throw new CliInputException("an empty path was given");
            string full = Path.GetFullPath(path, workingDirectory);
            if (Directory.Exists(full))
                files.UnionWith(FolderFiles(full, path));
            else if (File.Exists(full) && HasExtension(full, ".cs"))
                files.Add(full);
            else if (File.Exists(full) && HasExtension(full, ".csproj"))
                files.UnionWith(FolderFiles(Path.GetDirectoryName(full)!, path));
            else if (File.Exists(full))
                throw new CliInputException($"'{path}' is not a .cs file, a .csproj or a folder");
            else if (path.StartsWith('-'))
                throw new CliInputException($"unknown option '{path}' (a path that starts with '-' goes after '--')");
            else
                throw new CliInputException($"'{path}' does not exist");
        }
        return files.ToList();
    }

    private static List<string> FolderFiles(string folder, string shownAs)
    {
        var found = new List<string>();
        AddFolder(folder, found);
        if (found.Count == 0)
            throw new CliInputException($"no .cs files under '{shownAs}' (bin/ and obj/ are skipped)");
        return found;
    }

    private static void AddFolder(string folder, List<string> files)
    {
        try
        {
            // The pattern alone would also match *.csx on some platforms' legacy 8.3 rules.
            files.AddRange(Directory.EnumerateFiles(folder, "*.cs").Where(f => HasExtension(f, ".cs")));
            foreach (var child in new DirectoryInfo(folder).EnumerateDirectories())
            {
                // Linked folders are not followed: a link to a parent would never end.
                if (!SkippedFolders.Contains(child.Name, StringComparer.OrdinalIgnoreCase) && child.LinkTarget is null)
                    AddFolder(child.FullName, files);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"cannot list '{folder}': {e.Message}", e);
        }
    }

    private static bool HasExtension(string path, string extension) =>
        string.Equals(Path.GetExtension(path), extension, StringComparison.OrdinalIgnoreCase);
}
