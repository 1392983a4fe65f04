using System.Collections.Generic;
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
    /// <summary>
    /// PTL0008 at a lookup made without the lock: take the hugetlb vma lock (read) just before the statement with
    /// the lookup and release it before every exit after it, as hugetlb_fault does (the lock covers the window
    /// up to the last use). A use after an early release gets no fix: where the release belongs is the author's call.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CoverHugetlbWindowCodeFix)), Shared]
    public sealed class CoverHugetlbWindowCodeFix : PtLockCodeFix
    {
        public CoverHugetlbWindowCodeFix() : base(DiagnosticIds.HugetlbWindowUnlocked) { }

        public const string EquivalenceKey = "PTL0008.CoverWindow";

        private protected override CodeAction? CreateFix(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue("Kind", out var kind) || kind != "call"
                || !diagnostic.Properties.TryGetValue("Lock", out var lockText) || lockText is null)
                return null;
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var statement = node.AncestorsAndSelf().OfType<StatementSyntax>().FirstOrDefault();
            if (statement is null or ReturnStatementSyntax or ThrowStatementSyntax or YieldStatementSyntax || statement.Parent is not BlockSyntax)
                return null;
            var body = WriteGuard.EnclosingFunction(statement) is { } function ? BodyOf(function) : null;
            if (body is null)
                return null;
            var acquire = LockOperations.Statement(model, statement.SpanStart, lockText, release: false, shared: true);
            var release = LockOperations.Statement(model, statement.SpanStart, lockText, release: true, shared: true);
            if (acquire is null || release is null)
                return null;
            return CodeAction.Create($"Hold '{lockText}' from the lookup to the end of the method",
                ct => Task.FromResult(document.WithSyntaxRoot(Cover(root, body, statement, acquire, release))),
                EquivalenceKey + ":" + lockText);
        }

        private static BlockSyntax? BodyOf(SyntaxNode function) => function switch
        {
            BaseMethodDeclarationSyntax m => m.Body,
            LocalFunctionStatementSyntax l => l.Body,
            AccessorDeclarationSyntax a => a.Body,
            AnonymousFunctionExpressionSyntax f => f.Block,
            _ => null,
        };

        private static SyntaxNode Cover(SyntaxNode root, BlockSyntax body, StatementSyntax statement, StatementSyntax acquire, StatementSyntax release)
        {
            // Exits after the lookup, last first, so the spans of the earlier ones stay valid while inserting.
            var exits = new List<int>();
            foreach (var ret in body.DescendantNodes(n => n == body || !IsNestedFunction(n)).OfType<ReturnStatementSyntax>())
                if (ret.SpanStart > statement.Span.End)
                    exits.Add(ret.SpanStart);
            if (body.Statements.LastOrDefault() is not (ReturnStatementSyntax or ThrowStatementSyntax))
                exits.Add(body.CloseBraceToken.SpanStart);
            var marker = new SyntaxAnnotation();
            root = root.ReplaceNode(statement, statement.WithAdditionalAnnotations(marker));
            var tree = root.SyntaxTree;
            foreach (int at in exits.OrderByDescending(p => p))
                if (ExitInsertion.Find(root, Location.Create(tree, new Microsoft.CodeAnalysis.Text.TextSpan(at, 1))) is { } insertion)
                    root = insertion.Insert(root, release);
            var marked = (StatementSyntax)root.GetAnnotatedNodes(marker).First();
            var block = (BlockSyntax)marked.Parent!;
            return root.ReplaceNode(block, block.WithStatements(block.Statements.Insert(block.Statements.IndexOf(marked), acquire.WithAdditionalAnnotations(Formatter.Annotation))));
        }

        private static bool IsNestedFunction(SyntaxNode n) => n is LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax;
    }
}
