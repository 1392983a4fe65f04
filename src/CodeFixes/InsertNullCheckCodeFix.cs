using System.Collections.Immutable;
using System.Composition;
using System.Linq;
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
    public sealed class InsertNullCheckCodeFix : CodeFixProvider
    {
        public const string EquivalenceKey = "PTL0004.InsertNullCheck";

        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticIds.PteMapMayFail);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
                return;
            foreach (var diagnostic in context.Diagnostics)
            {
                if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not IdentifierNameSyntax use)
                    continue;
                if (model.GetSymbolInfo(use, context.CancellationToken).Symbol is not ILocalSymbol local)
                    continue;
                var declarator = local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) as VariableDeclaratorSyntax;
                if (declarator?.Parent?.Parent is not LocalDeclarationStatementSyntax declaration || declaration.Parent is not BlockSyntax)
                    continue;
                var leave = ReturnFor(model, declaration);
                if (leave is null)
                    continue;
                context.RegisterCodeFix(
                    CodeAction.Create($"Return when '{local.Name}' is null",
                        ct => Task.FromResult(context.Document.WithSyntaxRoot(Insert(root, declaration, local.Name, leave))),
                        EquivalenceKey),
                    diagnostic);
            }
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
