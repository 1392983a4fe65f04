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

namespace PtLock.CodeFixes
{
    /// <summary>PTL1001: acquire the required lock just before the statement with the call, release it just after.</summary>
    [ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(WrapWithLockCodeFix)), Shared]
    public sealed class WrapWithLockCodeFix : PtLockCodeFix
    {
        public WrapWithLockCodeFix() : base(DiagnosticIds.RequiresLockNotHeld) { }

        public const string EquivalenceKey = "PTL1001.WrapWithLock";

        private protected override CodeAction? CreateFix(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue("Lock", out var lockText) || lockText is null)
                return null;
            bool shared = diagnostic.Properties.TryGetValue("Shared", out var s) && s == "true";
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var statement = node.AncestorsAndSelf().OfType<StatementSyntax>().FirstOrDefault();
            // A return or a jump cannot be followed by the release; leave those to the author.
            if (statement is null or ReturnStatementSyntax or ThrowStatementSyntax or YieldStatementSyntax or BlockSyntax
                || statement.Parent is not (BlockSyntax or SwitchSectionSyntax or IfStatementSyntax or ElseClauseSyntax or WhileStatementSyntax or ForStatementSyntax or ForEachStatementSyntax))
                return null;
            var acquire = LockOperations.Statement(model, statement.SpanStart, lockText, release: false, shared);
            var release = LockOperations.Statement(model, statement.SpanStart, lockText, release: true, shared);
            if (acquire is null || release is null)
                return null;
            return CodeAction.Create($"Hold '{lockText}' around the call",
                ct => Task.FromResult(document.WithSyntaxRoot(Wrap(root, statement, acquire, release))),
                EquivalenceKey + ":" + lockText);
        }

        private static SyntaxNode Wrap(SyntaxNode root, StatementSyntax statement, StatementSyntax acquire, StatementSyntax release)
        {
            acquire = acquire.WithAdditionalAnnotations(Formatter.Annotation);
            release = release.WithAdditionalAnnotations(Formatter.Annotation);
            switch (statement.Parent)
            {
                case BlockSyntax block:
                {
                    int i = block.Statements.IndexOf(statement);
                    return root.ReplaceNode(block, block.WithStatements(block.Statements.Insert(i + 1, release).Insert(i, acquire)));
                }
                case SwitchSectionSyntax section:
                {
                    int i = section.Statements.IndexOf(statement);
                    return root.ReplaceNode(section, section.WithStatements(section.Statements.Insert(i + 1, release).Insert(i, acquire)));
                }
                default:
                    var wrapped = SyntaxFactory.Block(acquire, statement.WithoutTrivia().WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(SyntaxFactory.ElasticMarker), release).WithTriviaFrom(statement).WithAdditionalAnnotations(Formatter.Annotation);
                    return root.ReplaceNode(statement, wrapped);
            }
        }
    }
}
