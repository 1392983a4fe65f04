using BenchmarkDotNet.Running;

namespace PtLock.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project bench/Runtime.Benchmarks -- --filter '*'
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
