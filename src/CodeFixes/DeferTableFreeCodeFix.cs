using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PtLock.Analyzers;
using PtLock.Analyzers.Engine;

namespace PtLock.CodeFixes
{
    /// <summary>PTL0007: free a published table through RCU: the API's [FreesTableDeferred] twin of the call (pte_free → pte_free_defer).</summary>
    [ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(DeferTableFreeCodeFix)), Shared]
    public sealed class DeferTableFreeCodeFix : PtLockCodeFix
    {
        public DeferTableFreeCodeFix() : base(DiagnosticIds.PublishedTableFreedNow) { }

        public const string EquivalenceKey = "PTL0007.DeferTableFree";

        private protected override CodeAction? CreateFix(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
                    .AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault() is not { } call
                || model.GetSymbolInfo(call, cancellationToken).Symbol is not IMethodSymbol freeNow)
                return null;
            var deferred = Twin(model, freeNow, call.SpanStart);
            if (deferred is null)
                return null;
            var callee = LockOperations.Qualified(model, call.SpanStart, deferred).WithTriviaFrom(call.Expression);
            return CodeAction.Create($"Free through RCU with {deferred.Name}",
                ct => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(call, call.WithExpression(callee)))),
                EquivalenceKey);
        }

        /// <summary>A static method of the same namespace, same parameter types, declared to free the table deferred.</summary>
        private static IMethodSymbol? Twin(SemanticModel model, IMethodSymbol freeNow, int position)
        {
            var contracts = LockEngine.For(model.Compilation).Model;
            foreach (var type in freeNow.ContainingNamespace.GetTypeMembers())
                foreach (var m in type.GetMembers().OfType<IMethodSymbol>())
                    if (m.IsStatic && contracts.GetContract(m).FreesTableDeferred is not null && model.IsAccessible(position, m)
                        && m.Parameters.Length == freeNow.Parameters.Length
                        && m.Parameters.Zip(freeNow.Parameters, (a, b) => SymbolEqualityComparer.Default.Equals(a.Type, b.Type)).All(same => same))
                        return m;
            return null;
        }
    }
}
