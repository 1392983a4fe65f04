using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using PtLock.Analyzers.Rules;

namespace PtLock.Analyzers.Tests.Verifiers;

/// <summary>Runs every PtLock analyzer at once; expected diagnostics are written as {|PTLxxxx:…|} markup.</summary>
public static class AllRulesVerifier
{
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = typeof(LockRuleAnalyzer).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    public static Task VerifyAsync(string source, bool withRuntime = false) => new Test(withRuntime) { TestCode = source }.RunAsync(CancellationToken.None);

    /// <summary>Against the .NET 9 reference pack and C# 13, for System.Threading.Lock.</summary>
    public static Task VerifyNet9Async(string source)
    {
        var test = new Test(withRuntime: false, LanguageVersion.CSharp13) { TestCode = source, ReferenceAssemblies = TestReferences.Net90 };
        return test.RunAsync(CancellationToken.None);
    }

    public sealed class Test : CSharpAnalyzerTest<RequiresLockNotHeldAnalyzer, DefaultVerifier>
    {
        private readonly LanguageVersion _language;

        public Test(bool withRuntime, LanguageVersion language = LanguageVersion.CSharp12)
        {
            _language = language;
            ReferenceAssemblies = TestReferences.Net80;
            TestState.AdditionalReferences.Add(TestReferences.Contracts);
            if (withRuntime)
                TestState.AdditionalReferences.Add(TestReferences.Runtime);
        }

        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => Analyzers;

        protected override ParseOptions CreateParseOptions() =>
            ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(_language);
    }
}
