namespace PtLock.Cli.Input;

/// <summary>How paths are shown: relative to the working directory when below it, so output is short and stable.</summary>
internal static class DisplayPaths
{
    public static string For(string fullPath, string workingDirectory)
    {
        string relative = Path.GetRelativePath(workingDirectory, fullPath);
        bool below = relative != "." && !Path.IsPathRooted(relative)
                     && relative != ".." && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        return below ? relative : fullPath;
    }
}
