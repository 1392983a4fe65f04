using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace PtLock.CodeFixes
{
    /// <summary>Where a diagnostic reported at a leaking exit (a return, or the closing brace) gets a statement inserted before it.</summary>
    internal readonly struct ExitInsertion
    {
        private ExitInsertion(ReturnStatementSyntax? returnStatement, BlockSyntax? closingBlock)
        {
            Return = returnStatement;
            ClosingBlock = closingBlock;
        }

        public ReturnStatementSyntax? Return { get; }
        public BlockSyntax? ClosingBlock { get; }
        public int Position => Return?.SpanStart ?? ClosingBlock!.CloseBraceToken.SpanStart;

        public static ExitInsertion? Find(SyntaxNode root, Location location)
        {
            var exit = root.FindToken(location.SourceSpan.Start);
            var ret = exit.Parent?.AncestorsAndSelf().OfType<ReturnStatementSyntax>().FirstOrDefault(r => r.Span.Contains(location.SourceSpan));
            var closing = ret is null && exit.IsKind(SyntaxKind.CloseBraceToken) ? exit.Parent as BlockSyntax : null;
            return ret is null && closing is null ? null : new ExitInsertion(ret, closing);
        }

        /// <summary>Insert <paramref name="statement"/> just before the exit; an embedded return becomes a block.</summary>
        public SyntaxNode Insert(SyntaxNode root, StatementSyntax statement)
        {
            statement = statement.WithAdditionalAnnotations(Formatter.Annotation);
            if (ClosingBlock is not null)
                return root.ReplaceNode(ClosingBlock, ClosingBlock.AddStatements(statement));
            var ret = Return!;
            if (ret.Parent is BlockSyntax block)
                return root.ReplaceNode(block, block.WithStatements(block.Statements.Insert(block.Statements.IndexOf(ret), statement)));
            if (ret.Parent is SwitchSectionSyntax section)
                return root.ReplaceNode(section, section.WithStatements(section.Statements.Insert(section.Statements.IndexOf(ret), statement)));
            var wrapped = SyntaxFactory.Block(statement, ret.WithoutTrivia().WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(SyntaxFactory.ElasticMarker))
                .WithTriviaFrom(ret).WithAdditionalAnnotations(Formatter.Annotation);
            return root.ReplaceNode(ret, wrapped);
        }
    }
}
