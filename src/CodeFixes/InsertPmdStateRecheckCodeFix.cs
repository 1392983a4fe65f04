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
using Microsoft.CodeAnalysis.Operations;
using PtLock.Analyzers;

namespace PtLock.CodeFixes
{
    /// <summary>
    /// PTL0002 when the PMD lock is held but the PMD was not rechecked: right after the statement that took the
    /// PMD lock, recheck the PMD (<c>check_pmd_state(pmd)</c>, as mainline retract_page_tables does) and on failure
    /// release the PMD lock and move on: <c>continue</c> inside a loop, <c>return</c> in a void method. Elsewhere
    /// the value to fail with is the author's to choose, and no fix is offered. Other locks held on that path stay
    /// as they were; if the early exit leaks one, PTL1005 says so and its fix adds the release.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsertPmdStateRecheckCodeFix)), Shared]
    public sealed class InsertPmdStateRecheckCodeFix : PtLockCodeFix
    {
        public InsertPmdStateRecheckCodeFix() : base(DiagnosticIds.PteLockptrUnstablePmd) { }

        public const string EquivalenceKey = "PTL0002.InsertPmdStateRecheck";

        private protected override CodeAction? CreateFix(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (diagnostic.AdditionalLocations.Count == 0 || diagnostic.AdditionalLocations[0].SourceTree != root.SyntaxTree)
                return null;
            var use = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
            var acquire = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true).AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
            if (use is null || acquire is null
                || model.GetOperation(use, cancellationToken) is not IInvocationOperation useCall
                || KernelMethod(useCall.TargetMethod, "check_pmd_state") is not { Parameters.Length: 1 } check
                || useCall.Arguments.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.Parameter?.Type, check.Parameters[0].Type))?.Value.Syntax is not ExpressionSyntax pmd)
                return null;
            // The lock must be kept in a local (var pml = PmdLock(mm, pmd);) so that it can be released on the bail-out.
            if (acquire.Parent is not EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
                || declarator.Parent?.Parent is not LocalDeclarationStatementSyntax lockStatement
                || lockStatement.Parent is not BlockSyntax block)
                return null;
            var bail = BailOut(model, lockStatement, cancellationToken);
            int position = lockStatement.Span.End;
            var release = LockOperations.Statement(model, position, declarator.Identifier.ValueText, release: true, shared: false);
            var failed = Failed(model, position, check, pmd.WithoutTrivia());
            if (bail is null || release is null || failed is null)
                return null;
            // The statement's own line breaks, so that only the new if's inside is left to the formatter.
            var guard = SyntaxFactory.IfStatement(failed, SyntaxFactory.Block(release, bail))
                .WithLeadingTrivia(lockStatement.GetLeadingTrivia()).WithTrailingTrivia(lockStatement.GetTrailingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);
            return CodeAction.Create($"Recheck the PMD with '{check.Name}' after taking the PMD lock",
                ct => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(block, block.WithStatements(block.Statements.Insert(block.Statements.IndexOf(lockStatement) + 1, guard))))),
                EquivalenceKey);
        }

        /// <summary><c>!Check(pmd)</c> for a bool check; <c>Check(pmd) != Result.Succeed</c> for a scan-result enum.</summary>
        private static ExpressionSyntax? Failed(SemanticModel model, int position, IMethodSymbol check, ExpressionSyntax pmd)
        {
            var call = SyntaxFactory.InvocationExpression(NameAt(model, position, check), Arguments(pmd));
            if (check.ReturnType.SpecialType == SpecialType.System_Boolean)
                return SyntaxFactory.PrefixUnaryExpression(SyntaxKind.LogicalNotExpression, call);
            if (check.ReturnType.TypeKind == TypeKind.Enum && check.ReturnType.GetMembers("Succeed").FirstOrDefault() is IFieldSymbol)
                return SyntaxFactory.BinaryExpression(SyntaxKind.NotEqualsExpression, call,
                    SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression,
                        SyntaxFactory.ParseTypeName(check.ReturnType.ToMinimalDisplayString(model, position)), SyntaxFactory.IdentifierName("Succeed")));
            return null;
        }

        /// <summary><c>continue;</c> when the statement is in a loop of its own function, <c>return;</c> in a void function.</summary>
        private static StatementSyntax? BailOut(SemanticModel model, StatementSyntax statement, CancellationToken cancellationToken)
        {
            foreach (var node in statement.Ancestors())
            {
                if (node is ForStatementSyntax or ForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax)
                    return SyntaxFactory.ContinueStatement();
                if (node is SwitchSectionSyntax)
                    return null; // continue/return inside a switch in a loop reads ambiguously; leave it to the author
                if (node is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax)
                {
                    var symbol = node is AnonymousFunctionExpressionSyntax
                        ? model.GetSymbolInfo(node, cancellationToken).Symbol as IMethodSymbol
                        : model.GetDeclaredSymbol(node, cancellationToken) as IMethodSymbol;
                    return symbol is { ReturnsVoid: true, IsAsync: false } ? SyntaxFactory.ReturnStatement() : null;
                }
            }
            return null;
        }
    }
}
