using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace PtLock.Analyzers.Tests.Verifiers;

/// <summary>Code-fix verification (one at a time and Fix All) against the contracts and optionally the runtime.</summary>
public static class CSharpCodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static DiagnosticResult Diagnostic() => CSharpCodeFixVerifier<TAnalyzer, TCodeFix, DefaultVerifier>.Diagnostic();

    public static Task VerifyCodeFixAsync(string source, string fixedSource, bool withRuntime = false) =>
        new Test(withRuntime) { TestCode = source, FixedCode = fixedSource }.RunAsync(CancellationToken.None);

    public class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test() : this(withRuntime: false) { }

        public Test(bool withRuntime)
        {
            ReferenceAssemblies = TestReferences.Net80;
            TestState.AdditionalReferences.Add(TestReferences.Contracts);
            FixedState.AdditionalReferences.Add(TestReferences.Contracts);
            if (withRuntime)
            {
                TestState.AdditionalReferences.Add(TestReferences.Runtime);
                FixedState.AdditionalReferences.Add(TestReferences.Runtime);
            }
        }

        protected override ParseOptions CreateParseOptions() =>
            ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.CSharp12);
    }
}
