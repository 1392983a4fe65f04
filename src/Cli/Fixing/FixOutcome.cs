using PtLock.Cli.Analysis;
using PtLock.Cli.Input;

namespace PtLock.Cli.Fixing;

/// <summary>What <c>ptlock fix</c> did, before anything is written.</summary>
/// <param name="ChangedFiles">Each changed file with its new text, line endings already matched to the original.</param>
/// <param name="AppliedByRule">How many fixes were applied for each rule ID.</param>
/// <param name="Remaining">The diagnostics left at the end (filtered by --rule): none of them has a fix, unless <paramref name="RoundLimitReached"/>.</param>
/// <param name="RoundLimitReached">The loop stopped at its round limit with fixes still on offer.</param>
/// <param name="CompilationErrors">Compiler errors of the original files: fixes may miss what did not bind.</param>
internal sealed record FixOutcome(
    IReadOnlyList<(SourceFile Original, string NewText)> ChangedFiles,
    IReadOnlyDictionary<string, int> AppliedByRule,
    IReadOnlyList<Finding> Remaining,
    bool RoundLimitReached,
    IReadOnlyList<Finding> CompilationErrors);
