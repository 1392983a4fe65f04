using System.Text.Json;
using System.Text.Json.Serialization;

namespace PtLock.Scheduling;

/// <summary>One line of a readable trace: which thread reached which scheduling point in which kernel call.</summary>
public sealed record TraceStep(int Step, string Thread, string Point, string? KernelCall)
{
    public override string ToString() => $"{Step,5}  {Thread,-12} {(KernelCall is null ? "" : KernelCall + ": ")}{Point}";
}

/// <summary>
/// A schedule as the thread chosen at each choice point, plus (after a replay) the readable log. Saved as JSON,
/// it replays exactly on the same scenario: <see cref="Explorer.Replay(Scenario, ExplorationTrace, ExplorationOptions?)"/>.
/// </summary>
public sealed record ExplorationTrace
{
    public const string FormatName = "ptlock-trace/1";

    public string Format { get; init; } = FormatName;
    public required string Scenario { get; init; }
    public required string Strategy { get; init; }

    /// <summary>The index of the schedule within its exploration (0-based).</summary>
    public int Schedule { get; init; }

    public required IReadOnlyList<string> Threads { get; init; }
    public required IReadOnlyList<int> Choices { get; init; }
    public string? Failure { get; init; }
    public IReadOnlyList<TraceStep> Log { get; init; } = Array.Empty<TraceStep>();

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        File.WriteAllText(path, ToJson());
    }

    /// <summary>Read a saved trace; a file that is not one gives an <see cref="ExplorationException"/> saying why.</summary>
    public static ExplorationTrace Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ExplorationException($"cannot read trace '{path}': {e.Message}");
        }
        return Parse(text, path);
    }

    public static ExplorationTrace Parse(string json, string source = "trace")
    {
        ExplorationTrace? trace;
        try { trace = JsonSerializer.Deserialize<ExplorationTrace>(json, s_json); }
        catch (JsonException e)
        {
            throw new ExplorationException($"{source} is not a ptlock trace: {e.Message}");
        }
        if (trace is null || trace.Format != FormatName)
            throw new ExplorationException($"{source} is not a ptlock trace (expected format '{FormatName}')");
        if (string.IsNullOrWhiteSpace(trace.Scenario) || trace.Threads is null || trace.Threads.Count == 0 || trace.Choices is null)
            throw new ExplorationException($"{source} is incomplete: it needs a scenario, its threads and the choices");
        for (int i = 0; i < trace.Choices.Count; i++)
            if (trace.Choices[i] < 0 || trace.Choices[i] >= trace.Threads.Count)
                throw new ExplorationException($"{source}: choice {i} names thread {trace.Choices[i]}, but the scenario has {trace.Threads.Count} threads");
        return trace;
    }
}
