using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using System.Collections.Generic;
using System.Linq;
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
                // One callback per file rather than one per declaration: the driver's per-declaration bookkeeping
                // for syntax-node actions costs more than the walk below. Bodies that mention nothing annotated are
                // never turned into IOperation trees or control-flow graphs (LockEngine's pre-filter).
                start.RegisterSemanticModelAction(model =>
                {
                    var root = model.SemanticModel.SyntaxTree.GetRoot(model.CancellationToken);
                    foreach (var node in AnalysedNodes(root))
                    {
                        foreach (var finding in LockEngine.Analyze(results, node, model.SemanticModel, model.CancellationToken))
                        {
                            if (finding.RuleId != Rule.Id)
                                continue;
                            model.ReportDiagnostic(Diagnostic.Create(Rule, finding.Location, finding.AdditionalLocations, finding.Properties, finding.Args));
                        }
                    }
                });
            });
        }

        /// <summary>The declarations with bodies the engine analyses, and the compilation unit (top-level statements).</summary>
        internal static IEnumerable<SyntaxNode> AnalysedNodes(SyntaxNode root) =>
            root.DescendantNodesAndSelf(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax
                                             or BasePropertyDeclarationSyntax or AccessorListSyntax)
                .Where(n => n.Kind() is SyntaxKind.MethodDeclaration or SyntaxKind.OperatorDeclaration or SyntaxKind.ConversionOperatorDeclaration
                    or SyntaxKind.GetAccessorDeclaration or SyntaxKind.SetAccessorDeclaration or SyntaxKind.InitAccessorDeclaration
                    or SyntaxKind.AddAccessorDeclaration or SyntaxKind.RemoveAccessorDeclaration
                    or SyntaxKind.PropertyDeclaration or SyntaxKind.IndexerDeclaration or SyntaxKind.CompilationUnit);
    }
}
