using Spectre.Console;

namespace PtLock.Cli.Reporting;

/// <summary>
/// Spectre.Console consoles over a given writer: colour only for a terminal; otherwise plain text at a fixed
/// width, so piped output and test output do not depend on the environment (CI detection included).
/// </summary>
internal static class Consoles
{
    private const int RedirectedWidth = 120;

    public static IAnsiConsole For(TextWriter writer, bool useColor)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = useColor ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = useColor ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            // A terminal gets live displays (the explorer's progress); piped and test output never does.
            Interactive = useColor ? InteractionSupport.Detect : InteractionSupport.No,
            Enrichment = new ProfileEnrichment { UseDefaultEnrichers = false },
        });
        if (!useColor)
            console.Profile.Width = RedirectedWidth;
        return console;
    }
}
