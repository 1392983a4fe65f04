using System.Runtime.CompilerServices;

namespace PtLock.Analyzers.Engine
{
    /// <summary>
    /// How the engine's code is compiled by the host's JIT. In a build, <c>csc</c> is usually a fresh process that
    /// analyses for a few seconds: with tiered compilation the engine's hot loops would run unoptimized (tier 0)
    /// for most of that time, because the compiler keeps jitting new code and so keeps postponing the tier-up,
    /// and the later re-jit competes with the compiler for the same cores. Methods on the per-body path therefore
    /// ask to be optimized on their first call. Measured in docs/benchmarks.md (session 4).
    /// </summary>
    internal static class JitOptions
    {
        /// <summary>
        /// <c>MethodImplOptions.AggressiveOptimization</c>, which netstandard2.0's enum does not name; runtimes that
        /// do not know the flag (.NET Framework hosts) ignore it.
        /// </summary>
        public const MethodImplOptions Optimized = (MethodImplOptions)512;
    }
}
