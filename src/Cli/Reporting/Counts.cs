namespace PtLock.Cli.Reporting;

/// <summary>"1 error", "3 errors": counts in report sentences.</summary>
internal static class Counts
{
    public static string Of(int count, string noun, string? plural = null) => count == 1 ? $"1 {noun}" : $"{count} {plural ?? noun + "s"}";
}
