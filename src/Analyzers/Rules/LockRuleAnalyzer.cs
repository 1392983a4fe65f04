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
                // The first rule analyzer to start on this compilation, whichever rules are enabled, also analyses
                // each body as the compiler declares its method, for all rules (LockEngine.AnalyzeAhead). One does:
                // a callback per method from each rule analyzer would cost more than the early start saves.
                if (results.ClaimEarlyPass())
                    start.RegisterSymbolAction(symbol => LockEngine.AnalyzeAhead(results, (IMethodSymbol)symbol.Symbol, symbol.Compilation, symbol.CancellationToken), SymbolKind.Method);
                // One callback per file rather than one per declaration: the driver's per-declaration bookkeeping
                // for syntax-node actions costs more than the engine's own walk. The file is analysed once for all
                // rules; bodies that mention nothing annotated are never turned into IOperation trees or
                // control-flow graphs (LockEngine's pre-filter).
                start.RegisterSemanticModelAction(model =>
                {
                    if (model.IsGeneratedCode)
                        return;
                    foreach (var finding in LockEngine.FindingsFor(results, Rule.Id, model.SemanticModel, model.CancellationToken))
                        model.ReportDiagnostic(Diagnostic.Create(Rule, finding.Location, finding.AdditionalLocations, finding.Properties, finding.Args));
                });
            });
        }
    }
}
