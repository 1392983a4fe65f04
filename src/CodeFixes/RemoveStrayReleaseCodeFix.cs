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

namespace PtLock.CodeFixes
{
    /// <summary>PTL1004: remove a release of a lock that is not held.</summary>
    [ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(RemoveStrayReleaseCodeFix)), Shared]
    public sealed class RemoveStrayReleaseCodeFix : PtLockCodeFix
    {
        public RemoveStrayReleaseCodeFix() : base(DiagnosticIds.ReleasedNotHeld) { }

        public const string EquivalenceKey = "PTL1004.RemoveStrayRelease";

        private protected override CodeAction? CreateFix(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            // Only the "not held" form: a release in the wrong mode needs a different release, not none.
            if (!diagnostic.Properties.ContainsKey("Lock"))
                return null;
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var statement = node.AncestorsAndSelf().OfType<ExpressionStatementSyntax>().FirstOrDefault();
            if (statement is null || statement.Expression.Span != diagnostic.Location.SourceSpan && !statement.Expression.Span.Contains(diagnostic.Location.SourceSpan))
                return null;
            if (statement.Expression is not InvocationExpressionSyntax)
                return null;
            return CodeAction.Create("Remove the release of a lock that is not held",
                ct => Task.FromResult(document.WithSyntaxRoot(Remove(root, statement))),
                EquivalenceKey);
        }

        private static SyntaxNode Remove(SyntaxNode root, ExpressionStatementSyntax statement)
        {
            // An embedded statement (if (x) Unlock();) becomes an empty block rather than vanishing.
            if (statement.Parent is BlockSyntax or SwitchSectionSyntax)
                return root.RemoveNode(statement, SyntaxRemoveOptions.KeepNoTrivia | SyntaxRemoveOptions.KeepUnbalancedDirectives)!;
            return root.ReplaceNode(statement, Microsoft.CodeAnalysis.CSharp.SyntaxFactory.Block().WithTriviaFrom(statement));
        }
    }
}
