using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using PtLock.Analyzers;
using PtLock.Analyzers.Engine;

namespace PtLock.CodeFixes
{
    /// <summary>
    /// PTL0011: take the PTE lock under the PMD lock the way retract_page_tables does: only when the two differ,
    /// with the nested acquisition, and release it under the same comparison.
    /// </summary>
    [ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(GuardNestedTableLockCodeFix)), Shared]
    public sealed class GuardNestedTableLockCodeFix : PtLockCodeFix
    {
        public GuardNestedTableLockCodeFix() : base(DiagnosticIds.NestedPtlWithoutGuard) { }

        public const string EquivalenceKey = "PTL0011.GuardNestedTableLock";

        private protected override CodeAction? CreateFix(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue("Lock", out var lockText) || lockText is null
                || !diagnostic.Properties.TryGetValue("Held", out var heldText) || heldText is null
                || !SyntaxFacts.IsValidIdentifier(lockText) || !SyntaxFacts.IsValidIdentifier(heldText))
                return null;
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
                    .AncestorsAndSelf().OfType<ExpressionStatementSyntax>().FirstOrDefault() is not { Expression: InvocationExpressionSyntax acquire } statement)
                return null;
            var nested = NestedAcquire(model, statement.SpanStart, acquire, lockText);
            if (nested is null)
                return null;
            bool guarded = diagnostic.Properties.TryGetValue("Kind", out var kind) && kind == "nested";
            var body = statement.Ancestors().OfType<BlockSyntax>().LastOrDefault();
            if (body is null)
                return null;
            return CodeAction.Create(guarded ? $"Take '{lockText}' with the nested acquisition" : $"Take '{lockText}' only when it is not '{heldText}', nested",
                ct => Task.FromResult(document.WithSyntaxRoot(Rewrite(model, root, body, statement, nested, lockText, heldText, guarded))),
                EquivalenceKey);
        }

        /// <summary>SpinLockNested(ptl, SingleDepthNesting): a method of the lock API declared [Acquires(…, Nested = true)].</summary>
        private static ExpressionStatementSyntax? NestedAcquire(SemanticModel model, int position, InvocationExpressionSyntax current, string lockText)
        {
            if (model.GetSymbolInfo(current).Symbol is not IMethodSymbol currentMethod)
                return null;
            var contracts = LockEngine.For(model.Compilation).Model;
            if (contracts.GetContract(currentMethod).AcquiresNested)
                return SyntaxFactory.ExpressionStatement(current);
            foreach (var m in currentMethod.ContainingType.GetMembers().OfType<IMethodSymbol>())
            {
                if (!m.IsStatic || m.Parameters.Length != 2 || !contracts.GetContract(m).AcquiresNested
                    || m.Parameters[1].Type.SpecialType != SpecialType.System_Int32 || !model.IsAccessible(position, m))
                    continue;
                var depth = currentMethod.ContainingType.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(f => f.IsConst && f.Name == "SingleDepthNesting");
                ExpressionSyntax subclass = depth is not null && model.LookupSymbols(position, name: depth.Name).Contains(depth, SymbolEqualityComparer.Default)
                    ? SyntaxFactory.IdentifierName(depth.Name)
                    : SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(1));
                ExpressionSyntax callee = current.Expression is MemberAccessExpressionSyntax access
                    ? access.WithName(SyntaxFactory.IdentifierName(m.Name))
                    : SyntaxFactory.IdentifierName(m.Name);
                return SyntaxFactory.ExpressionStatement(SyntaxFactory.InvocationExpression(callee, SyntaxFactory.ArgumentList(
                    SyntaxFactory.SeparatedList(new[] { SyntaxFactory.Argument(SyntaxFactory.IdentifierName(lockText)), SyntaxFactory.Argument(subclass) }))));
            }
            return null;
        }

        private static SyntaxNode Rewrite(SemanticModel model, SyntaxNode root, BlockSyntax body, ExpressionStatementSyntax acquire, ExpressionStatementSyntax nested,
            string lockText, string heldText, bool alreadyGuarded)
        {
            var replacements = new Dictionary<SyntaxNode, SyntaxNode>();
            StatementSyntax Guard(StatementSyntax s) => SyntaxFactory.IfStatement(
                SyntaxFactory.BinaryExpression(SyntaxKind.NotEqualsExpression, SyntaxFactory.IdentifierName(lockText), SyntaxFactory.IdentifierName(heldText)),
                s.WithoutTrivia()).WithTriviaFrom(s).WithAdditionalAnnotations(Formatter.Annotation);

            replacements[acquire] = alreadyGuarded ? nested.WithTriviaFrom(acquire) : Guard(nested.WithTriviaFrom(acquire));
            if (!alreadyGuarded)
            {
                // The matching releases of the same lock, not yet under the comparison, get the same guard.
                foreach (var release in body.DescendantNodes().OfType<ExpressionStatementSyntax>())
                {
                    if (release == acquire || release.Parent is IfStatementSyntax || release.SpanStart < acquire.SpanStart)
                        continue;
                    if (release.Expression is InvocationExpressionSyntax { ArgumentList.Arguments: { Count: 1 } args } call
                        && args[0].Expression is IdentifierNameSyntax { Identifier.ValueText: var name } && name == lockText
                        && model.GetSymbolInfo(call).Symbol is IMethodSymbol { Parameters.Length: 1 } releaser
                        && LockEngine.For(model.Compilation).Model.GetContract(releaser).Releases.Any(e => e.ToString() == releaser.Parameters[0].Name))
                        replacements[release] = Guard(release);
                }
            }
            return root.ReplaceNodes(replacements.Keys, (original, _) => replacements[original]);
        }
    }
}
