using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using PtLock.Analyzers.Engine;

namespace PtLock.Analyzers.Rules
{
    /// <summary>A rule reported from the shared held-lock dataflow: one subclass per rule ID.</summary>
    public abstract class LockRuleAnalyzer : DiagnosticAnalyzer
    {
        private protected LockRuleAnalyzer(DiagnosticDescriptor rule)
        {
            Rule = rule;
            SupportedDiagnostics = ImmutableArray.Create(rule);
        }

        protected DiagnosticDescriptor Rule { get; }

        public sealed override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; }

        public sealed override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            // Generated code is skipped here (GeneratedCode), not by the driver, whose check costs a binding of every
            // declaration of each file that gets a diagnostic.
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
            context.RegisterCompilationStartAction(start =>
            {
                var results = LockEngine.For(start.Compilation);
                // One callback per method, as the compiler declares it: in a build that is once its body is bound, so
                // the analysis runs beside the compilation of the other bodies and reuses their binding (LockEngine.FindingsFor).
                // The body is analysed once for all rules; bodies that mention nothing annotated are never turned into
                // IOperation trees or control-flow graphs (LockEngine's pre-filter).
                start.RegisterSymbolAction(symbol =>
                {
                    // Generated code is the driver's to tell per symbol here (its file, or [GeneratedCode] on it or around it).
                    if (symbol.Symbol is not IMethodSymbol method || symbol.IsGeneratedCode)
                        return;
                    foreach (var finding in LockEngine.FindingsFor(results, Rule.Id, method, symbol.Compilation, symbol.CancellationToken))
                        symbol.ReportDiagnostic(Diagnostic.Create(Rule, finding.Location, finding.AdditionalLocations, finding.Properties, finding.Args));
                }, SymbolKind.Method);
            });
        }
    }
}
