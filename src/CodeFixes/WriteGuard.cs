using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace PtLock.CodeFixes
{
    /// <summary>
    /// Puts a recheck in front of an entry write: as the first conjunct of an <c>if</c> that guards only the
    /// write, or in a new <c>if</c> around the write's statement.
    /// </summary>
    internal static class WriteGuard
    {
        /// <summary>The node to replace and its replacement, or null when the write sits where no guard fits.</summary>
        public static (SyntaxNode Replaced, SyntaxNode Replacement)? Guard(ExpressionStatementSyntax statement, ExpressionSyntax recheck)
        {
            if (statement.Parent is IfStatementSyntax { Else: null } guard && guard.Statement == statement)
            {
                var existing = guard.Condition.WithoutTrivia();
                // Only ||, ??, ?: and assignment bind looser than &&.
                if (existing.IsKind(SyntaxKind.LogicalOrExpression) || existing.IsKind(SyntaxKind.CoalesceExpression)
                    || existing is ConditionalExpressionSyntax or AssignmentExpressionSyntax)
                    existing = SyntaxFactory.ParenthesizedExpression(existing);
                return (guard, guard.WithCondition(SyntaxFactory.BinaryExpression(SyntaxKind.LogicalAndExpression, recheck, existing).WithTriviaFrom(guard.Condition)));
            }
            if (statement.Parent is BlockSyntax or SwitchSectionSyntax)
                return (statement, SyntaxFactory.IfStatement(recheck, statement.WithoutTrivia()).WithTriviaFrom(statement).WithAdditionalAnnotations(Formatter.Annotation));
            return null;
        }

        /// <summary>The reported write call and the statement it stands in, or null when it is not a statement of its own.</summary>
        public static (InvocationExpressionSyntax Write, ExpressionStatementSyntax Statement)? Find(SyntaxNode root, Diagnostic diagnostic)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
                    .AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault() is not { } write
                || StatementOf(write) is not { } statement)
                return null;
            return (write, statement);
        }

        /// <summary>The function whose body holds <paramref name="node"/>: where an earlier snapshot or walker call is looked for.</summary>
        public static SyntaxNode? EnclosingFunction(SyntaxNode node) =>
            node.Ancestors().FirstOrDefault(n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax);

        /// <summary>The statement a write call stands in: itself, or an assignment of its result.</summary>
        public static ExpressionStatementSyntax? StatementOf(InvocationExpressionSyntax write) => write.Parent switch
        {
            ExpressionStatementSyntax s => s,
            AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax s } a when a.Right == write => s,
            _ => null,
        };
    }
}
