using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
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
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                var results = LockEngine.For(start.Compilation);
                // A syntax action rather than an operation-block action: bodies that mention nothing annotated
                // are never turned into IOperation trees or control-flow graphs.
                start.RegisterSyntaxNodeAction(node =>
                {
                    foreach (var finding in LockEngine.Analyze(results, node.Node, node.SemanticModel, node.CancellationToken))
                    {
                        if (finding.RuleId != Rule.Id)
                            continue;
                        node.ReportDiagnostic(Diagnostic.Create(Rule, finding.Location, finding.AdditionalLocations, finding.Properties, finding.Args));
                    }
                },
                SyntaxKind.MethodDeclaration, SyntaxKind.OperatorDeclaration, SyntaxKind.ConversionOperatorDeclaration,
                SyntaxKind.GetAccessorDeclaration, SyntaxKind.SetAccessorDeclaration, SyntaxKind.InitAccessorDeclaration,
                SyntaxKind.AddAccessorDeclaration, SyntaxKind.RemoveAccessorDeclaration,
                SyntaxKind.PropertyDeclaration, SyntaxKind.IndexerDeclaration, SyntaxKind.CompilationUnit);
            });
        }
    }
}
