namespace PtLock;

/// <summary>
/// The validator saw a rule broken (lockdep, page_table_check or KASAN would have reported it).
/// <see cref="RuleId"/> is the same ID as the static rule where one exists.
/// </summary>
public sealed class PtLockViolationException : Exception
{
    public PtLockViolationException(string ruleId, string message)
        : base($"{ruleId}: {message}")
    {
        RuleId = ruleId;
        Detail = message;
    }

    public string RuleId { get; }

    /// <summary>The message without the rule prefix.</summary>
    public string Detail { get; }
}
