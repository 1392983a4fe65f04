using System.Diagnostics;

namespace PtLock.Benchmarks.Analyzers;

/// <summary>
/// Wall time of real <c>csc</c> runs, alternating between configurations round after round, each given as the response
/// file of a build's command line (docs/benchmarks.md, sessions 4 and 6, say how to take one from a build log). The
/// first configuration is the baseline; each other is reported as pairwise differences from it (median, mean and its
/// standard error), because this VM drifts between runs by more than the differences measured. The order rotates from
/// round to round. With <c>--shared</c> the compiles go to the compiler server, as <c>dotnet build</c> sends them, after
/// three warm-up rounds.
/// </summary>
internal static class CscRounds
{
    public static void Run(string[] args)
    {
        int rounds = 12;
        bool shared = false;
        string? csc = null;
        var configurations = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rounds" when i + 1 < args.Length && int.TryParse(args[i + 1], out int n) && n > 1:
                    rounds = n;
                    i++;
                    break;
                case "--shared":
                    shared = true;
                    break;
                case "--csc" when i + 1 < args.Length:
                    csc = args[++i];
                    break;
                default:
                    configurations.Add(args[i]);
                    break;
            }
        }
        csc ??= FindCsc();
        if (csc is null || configurations.Count < 2 || configurations.Any(c => !File.Exists(c)))
        {
            Console.Error.WriteLine("usage: csc-rounds [--rounds N] [--shared] [--csc PATH] baseline.rsp other.rsp [more.rsp ...] (response files that exist; csc found or given)");
            return;
        }
        Console.WriteLine($"{csc}, {rounds} rounds{(shared ? " through the compiler server" : ", a new process each")}");
        try
        {
            Measure(csc, configurations, rounds, shared);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine(e.Message);
        }
    }

    private static void Measure(string csc, List<string> configurations, int rounds, bool shared)
    {
        if (shared)
            for (int warm = 0; warm < 3; warm++)
                foreach (var configuration in configurations)
                    Compile(csc, configuration, shared);
        // By position: the same file twice is an A/A run, which shows the noise.
        var seconds = configurations.Select(_ => new List<double>()).ToList();
        var serverCpu = configurations.Select(_ => new List<double>()).ToList();
        for (int round = 0; round < rounds; round++)
        {
            // The order rotates each round, so that each configuration follows each other one equally often: through the
            // server, what a compile leaves behind (garbage, tiering) is paid by the next one.
            for (int step = 0; step < configurations.Count; step++)
            {
                int c = (step + round) % configurations.Count;
                var (wall, cpu) = Compile(csc, configurations[c], shared);
                seconds[c].Add(wall);
                if (cpu is { } used)
                    serverCpu[c].Add(used);
            }
        }

        Report("wall", configurations, seconds);
        // The server's CPU per compile: the work each configuration adds, whether or not it ran in time the compile left idle.
        if (serverCpu.All(list => list.Count == rounds))
            Report("server CPU", configurations, serverCpu);
    }

    private static void Report(string measure, List<string> configurations, List<List<double>> seconds)
    {
        var baseline = seconds[0];
        double baseMedian = Median(baseline);
        Console.WriteLine($"{measure}: {Path.GetFileName(configurations[0])}: median {baseMedian:F2} s");
        for (int c = 1; c < configurations.Count; c++)
        {
            string configuration = configurations[c];
            var differences = seconds[c].Zip(baseline, (x, b) => x - b).ToList();
            double mean = differences.Average();
            double error = Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (differences.Count - 1) / differences.Count);
            double median = Median(differences);
            Console.WriteLine($"{measure}: {Path.GetFileName(configuration)}: median {Median(seconds[c]):F2} s; over the baseline, pairwise median {Signed(median)} s " +
                $"({Signed(100 * median / baseMedian, "F1")} %), mean {Signed(mean)} s ({Signed(100 * mean / baseMedian, "F1")} %) ± {error:F2} s");
        }
    }

    private static string Signed(double value, string format = "F2") => (value < 0 ? "-" : "+") + Math.Abs(value).ToString(format, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// One compile's wall time, and through the server the CPU the server used meanwhile. A compile that fails with a
    /// compiler error (not an analyzer's) measures nothing: it stops the run.
    /// </summary>
    private static (double Wall, double? ServerCpu) Compile(string csc, string responseFile, bool shared)
    {
        using var server = shared ? FindServer() : null;
        var cpuBefore = ProcessorTime(server);
        // A build's response file names its sources relative to the project folder: run where the file is.
        var start = new ProcessStartInfo(csc)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(responseFile))!,
        };
        if (shared)
            start.ArgumentList.Add("/shared");
        start.ArgumentList.Add("@" + Path.GetFullPath(responseFile));
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        // Diagnostics go to the pipes: read them as they come so that csc never blocks on a full pipe.
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        clock.Stop();
        string text = output.Result + errors.Result;
        if (text.Split('\n').FirstOrDefault(line => line.Contains("error CS", StringComparison.Ordinal)) is { } failure)
            throw new InvalidOperationException($"{Path.GetFileName(responseFile)} does not compile, so its time measures nothing: {failure.Trim()}");
        var cpuAfter = ProcessorTime(server);
        return (clock.Elapsed.TotalSeconds, cpuBefore is { } before && cpuAfter is { } after ? (after - before).TotalSeconds : null);
    }

    /// <summary>The running compiler server (none before the first shared compile starts it).</summary>
    private static Process? FindServer()
    {
        Process? found = null;
        foreach (var process in Process.GetProcesses())
        {
            if (found is null && IsServer(process))
                found = process;
            else
                process.Dispose();
        }
        return found;
    }

    private static bool IsServer(Process process)
    {
        try
        {
            return process.ProcessName.Contains("VBCSCompiler", StringComparison.OrdinalIgnoreCase)
                   || process.MainModule?.FileName is { } file && file.EndsWith("dotnet", StringComparison.Ordinal)
                   && File.Exists($"/proc/{process.Id}/cmdline") && File.ReadAllText($"/proc/{process.Id}/cmdline").Contains("VBCSCompiler", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException or UnauthorizedAccessException)
        {
            return false; // it exited, or is not ours to read
        }
    }

    private static TimeSpan? ProcessorTime(Process? process)
    {
        if (process is null)
            return null;
        try
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null; // the server exited (it times out when idle)
        }
    }

    /// <summary>The newest SDK's csc beside the running dotnet host.</summary>
    private static string? FindCsc()
    {
        var sdks = Path.Combine(Path.GetDirectoryName(Environment.ProcessPath) ?? "", "sdk");
        if (!Directory.Exists(sdks))
            return null;
        return Directory.GetDirectories(sdks)
            .Select(d => Path.Combine(d, "Roslyn", "bincore", "csc"))
            .Where(File.Exists)
            .OrderByDescending(p => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(p)))!)?.Split('-')[0], out var v) ? v : new Version())
            .FirstOrDefault();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
