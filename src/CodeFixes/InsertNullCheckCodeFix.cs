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
    /// <summary>
    /// PTL0004: test a fallible result right after the local is declared, and leave when it is null: nothing is
    /// held then, so a plain return is the kernel's "retry the fault" (return 0) or "not found".
    /// </summary>
    [ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(InsertNullCheckCodeFix)), Shared]
    public sealed class InsertNullCheckCodeFix : PtLockCodeFix
    {
        public InsertNullCheckCodeFix() : base(DiagnosticIds.PteMapMayFail) { }

        public const string EquivalenceKey = "PTL0004.InsertNullCheck";

        private protected override CodeAction? CreateFix(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not IdentifierNameSyntax use)
                return null;
            if (model.GetSymbolInfo(use, cancellationToken).Symbol is not ILocalSymbol local)
                return null;
            var declarator = local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as VariableDeclaratorSyntax;
            if (declarator?.Parent?.Parent is not LocalDeclarationStatementSyntax declaration || declaration.Parent is not BlockSyntax)
                return null;
            var leave = ReturnFor(model, declaration);
            if (leave is null)
                return null;
            return CodeAction.Create($"Return when '{local.Name}' is null",
                ct => Task.FromResult(document.WithSyntaxRoot(Insert(root, declaration, local.Name, leave))),
                EquivalenceKey);
        }

        /// <summary>The return that fits the enclosing function, or null when leaving would need a made-up value.</summary>
        private static ReturnStatementSyntax? ReturnFor(SemanticModel model, SyntaxNode at)
        {
            var function = at.Ancestors().FirstOrDefault(n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax);
            ITypeSymbol? returnType = function switch
            {
                null => null,
                AnonymousFunctionExpressionSyntax lambda => (model.GetSymbolInfo(lambda).Symbol as IMethodSymbol)?.ReturnType,
                _ => (model.GetDeclaredSymbol(function) as IMethodSymbol)?.ReturnType,
            };
            if (returnType is null)
                return null;
            if (returnType.SpecialType == SpecialType.System_Void)
                return SyntaxFactory.ReturnStatement();
            if (returnType.SpecialType == SpecialType.System_Boolean)
                return SyntaxFactory.ReturnStatement(SyntaxFactory.LiteralExpression(SyntaxKind.FalseLiteralExpression));
            if (returnType.IsValueType || returnType.NullableAnnotation == NullableAnnotation.Annotated)
                return SyntaxFactory.ReturnStatement(SyntaxFactory.LiteralExpression(SyntaxKind.DefaultLiteralExpression, SyntaxFactory.Token(SyntaxKind.DefaultKeyword)));
            return null;
        }

        private static SyntaxNode Insert(SyntaxNode root, LocalDeclarationStatementSyntax declaration, string name, ReturnStatementSyntax leave)
        {
            var check = SyntaxFactory.IfStatement(
                    SyntaxFactory.BinaryExpression(SyntaxKind.EqualsExpression, SyntaxFactory.IdentifierName(name), SyntaxFactory.LiteralExpression(SyntaxKind.NullLiteralExpression)),
                    leave)
                .WithAdditionalAnnotations(Formatter.Annotation);
            var block = (BlockSyntax)declaration.Parent!;
            int index = block.Statements.IndexOf(declaration);
            return root.ReplaceNode(block, block.WithStatements(block.Statements.Insert(index + 1, check)));
        }
    }
}
