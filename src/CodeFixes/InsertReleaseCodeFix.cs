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
    /// <summary>PTL1005: release the leaked lock before the return that leaks it.</summary>
    [ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(InsertReleaseCodeFix)), Shared]
    public sealed class InsertReleaseCodeFix : CodeFixProvider
    {
        public const string EquivalenceKey = "PTL1005.InsertRelease";

        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticIds.HeldAtExit);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
                return;
            foreach (var diagnostic in context.Diagnostics)
            {
                if (!diagnostic.Properties.TryGetValue("Lock", out var lockText) || lockText is null)
                    continue;
                var exit = root.FindToken(diagnostic.Location.SourceSpan.Start);
                var returnStatement = exit.Parent?.AncestorsAndSelf().OfType<ReturnStatementSyntax>().FirstOrDefault(r => r.Span.Contains(diagnostic.Location.SourceSpan));
                var closingBlock = returnStatement is null && exit.IsKind(SyntaxKind.CloseBraceToken) ? exit.Parent as BlockSyntax : null;
                if (returnStatement is null && closingBlock is null)
                    continue;
                int position = returnStatement?.SpanStart ?? closingBlock!.CloseBraceToken.SpanStart;
                var release = LockOperations.Statement(model, position, lockText, release: true, shared: false);
                if (release is null)
                    continue;
                context.RegisterCodeFix(
                    CodeAction.Create($"Release '{lockText}' before returning",
                        ct => Task.FromResult(context.Document.WithSyntaxRoot(Insert(root, returnStatement, closingBlock, release))),
                        EquivalenceKey + ":" + lockText),
                    diagnostic);
            }
        }

        private static SyntaxNode Insert(SyntaxNode root, ReturnStatementSyntax? returnStatement, BlockSyntax? closingBlock, StatementSyntax release)
        {
            release = release.WithAdditionalAnnotations(Formatter.Annotation);
            if (closingBlock is not null)
                return root.ReplaceNode(closingBlock, closingBlock.AddStatements(release));
            var ret = returnStatement!;
            if (ret.Parent is BlockSyntax block)
                return root.ReplaceNode(block, block.WithStatements(block.Statements.Insert(block.Statements.IndexOf(ret), release)));
            if (ret.Parent is SwitchSectionSyntax section)
                return root.ReplaceNode(section, section.WithStatements(section.Statements.Insert(section.Statements.IndexOf(ret), release)));
            // An embedded return (if (x) return;) becomes a block with the release first.
            var wrapped = SyntaxFactory.Block(release, ret.WithoutTrivia().WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(SyntaxFactory.ElasticMarker)).WithTriviaFrom(ret).WithAdditionalAnnotations(Formatter.Annotation);
            return root.ReplaceNode(ret, wrapped);
        }
    }
}
