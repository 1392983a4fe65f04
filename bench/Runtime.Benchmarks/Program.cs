using BenchmarkDotNet.Running;

namespace PtLock.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project bench/Runtime.Benchmarks -- --filter '*'
    // dotnet run -c Release --project bench/Runtime.Benchmarks -- explore [budget] [seeds]
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "explore")
        {
            ExplorerHarness.Run(args);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
