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
    /// PTL0009: right after the statement that clears the entry, call the API's [KeepsUffdWp] method on the old
    /// value (zap_install_uffd_wp_if_needed in the runtime). Its arguments are filled from the clearing call
    /// (same parameter name and type), the cleared value (the variable the clear was assigned to, or the last
    /// read of the same pointer before it), and the one local or parameter in scope of each remaining type;
    /// with a choice or a gap, no fix is offered.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsertUffdWpMarkerCodeFix)), Shared]
    public sealed class InsertUffdWpMarkerCodeFix : PtLockCodeFix
    {
        public InsertUffdWpMarkerCodeFix() : base(DiagnosticIds.UffdWpMarkerOnZap) { }

        public const string EquivalenceKey = "PTL0009.InsertMarker";

        private protected override CodeAction? CreateFix(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var clear = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
            if (clear is null || model.GetSymbolInfo(clear, cancellationToken).Symbol is not IMethodSymbol clearMethod)
                return null;
            var statement = clear.AncestorsAndSelf().OfType<StatementSyntax>().FirstOrDefault();
            if (statement is null || statement.Parent is not BlockSyntax block)
                return null;
            var oldValue = ClearedValue(model, clear, clearMethod, block, statement, cancellationToken);
            int position = statement.Span.End;
            foreach (var keep in Candidates(clearMethod))
            {
                var arguments = Fill(model, position, keep, clear, clearMethod, oldValue);
                if (arguments is null)
                    continue;
                var call = SyntaxFactory.ExpressionStatement(SyntaxFactory.InvocationExpression(NameAt(model, position, keep), Arguments(arguments)))
                    .WithAdditionalAnnotations(Formatter.Annotation);
                return CodeAction.Create($"Keep uffd-wp with '{keep.Name}'",
                    ct => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(block, block.WithStatements(block.Statements.Insert(block.Statements.IndexOf(statement) + 1, call))))),
                    EquivalenceKey);
            }
            return null;
        }

        /// <summary>[KeepsUffdWp] methods next to the clearing one: its own type first, then zap_install_uffd_wp_if_needed.</summary>
        private static IEnumerable<IMethodSymbol> Candidates(IMethodSymbol clearMethod)
        {
            var ns = clearMethod.ContainingType?.ContainingNamespace;
            if (ns is null)
                return Enumerable.Empty<IMethodSymbol>();
            return ns.GetTypeMembers().SelectMany(t => t.GetMembers().OfType<IMethodSymbol>())
                .Where(m => m.IsStatic && m.GetAttributes().Any(a => a.AttributeClass?.Name == "KeepsUffdWpAttribute"))
                .OrderBy(m => SymbolEqualityComparer.Default.Equals(m.ContainingType, clearMethod.ContainingType) ? 0 : 1)
                .ThenBy(m => IsKernel(m, "zap_install_uffd_wp_if_needed") ? 0 : 1)
                .ThenBy(m => m.Name, System.StringComparer.Ordinal);
        }

        private static ExpressionSyntax[]? Fill(SemanticModel model, int position, IMethodSymbol keep, InvocationExpressionSyntax clear, IMethodSymbol clearMethod, ExpressionSyntax? oldValue)
        {
            var result = new ExpressionSyntax[keep.Parameters.Length];
            for (int i = 0; i < keep.Parameters.Length; i++)
            {
                var p = keep.Parameters[i];
                int same = clearMethod.Parameters.FirstOrDefault(c => c.Name == p.Name && SameType(c.Type, p.Type))?.Ordinal ?? -1;
                if (same >= 0 && same < clear.ArgumentList.Arguments.Count && clear.ArgumentList.Arguments[same].NameColon is null)
                    result[i] = clear.ArgumentList.Arguments[same].Expression.WithoutTrivia();
                else if (SameType(p.Type, ValueType(clearMethod)))
                {
                    if (oldValue is null)
                        return null;
                    result[i] = oldValue;
                }
                else if (InScope(model, position, p.Type) is { } only)
                    result[i] = only;
                else
                    return null;
            }
            return result;
        }

        /// <summary>The one local or parameter of the type in scope; null for an absent nullable one; else none.</summary>
        private static ExpressionSyntax? InScope(SemanticModel model, int position, ITypeSymbol type)
        {
            var matches = model.LookupSymbols(position)
                .Where(s => s is ILocalSymbol or IParameterSymbol)
                .Where(s => SameType(s is ILocalSymbol l ? l.Type : ((IParameterSymbol)s).Type, type))
                .ToList();
            if (matches.Count == 1)
                return SyntaxFactory.IdentifierName(matches[0].Name);
            if (matches.Count == 0 && type.IsReferenceType && type.NullableAnnotation == NullableAnnotation.Annotated)
                return SyntaxFactory.LiteralExpression(SyntaxKind.NullLiteralExpression);
            return null;
        }

        /// <summary>
        /// The value the clear removed: the variable it was stored in, else the variable that last read the same
        /// pointer (PtepGet(pte)) earlier in the block.
        /// </summary>
        private static ExpressionSyntax? ClearedValue(SemanticModel model, InvocationExpressionSyntax clear, IMethodSymbol clearMethod, BlockSyntax block, StatementSyntax statement, CancellationToken cancellationToken)
        {
            switch (clear.Parent)
            {
                case AssignmentExpressionSyntax { Left: IdentifierNameSyntax target } assign when assign.Right == clear:
                    return target.WithoutTrivia();
                case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }:
                    return SyntaxFactory.IdentifierName(declarator.Identifier.ValueText);
            }
            var pointer = clearMethod.Parameters.FirstOrDefault(p => p.Type.Name is "Pte")?.Ordinal;
            if (pointer is not int index || index >= clear.ArgumentList.Arguments.Count)
                return null;
            string pointerText = clear.ArgumentList.Arguments[index].Expression.ToString();
            for (int i = block.Statements.IndexOf(statement) - 1; i >= 0; i--)
            {
                foreach (var read in block.Statements[i].DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>().Reverse())
                {
                    if (read.ArgumentList.Arguments.Count != 1 || read.ArgumentList.Arguments[0].Expression.ToString() != pointerText
                        || model.GetSymbolInfo(read, cancellationToken).Symbol is not IMethodSymbol reader || !SameType(reader.ReturnType, ValueType(clearMethod)))
                        continue;
                    switch (read.Parent)
                    {
                        case AssignmentExpressionSyntax { Left: IdentifierNameSyntax target } assign when assign.Right == read:
                            return target.WithoutTrivia();
                        case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }:
                            return SyntaxFactory.IdentifierName(declarator.Identifier.ValueText);
                    }
                }
            }
            return null;
        }

        /// <summary>The entry value type of the clearing API: what it returns, or what its [KeepsUffdWp] twin takes.</summary>
        private static ITypeSymbol ValueType(IMethodSymbol clearMethod) =>
            clearMethod.ReturnsVoid
                ? Candidates(clearMethod).SelectMany(k => k.Parameters).Select(p => p.Type).LastOrDefault(t => t.IsValueType) ?? clearMethod.ReturnType
                : clearMethod.ReturnType;

        private static bool SameType(ITypeSymbol a, ITypeSymbol b) =>
            SymbolEqualityComparer.Default.Equals(a.WithNullableAnnotation(NullableAnnotation.NotAnnotated), b.WithNullableAnnotation(NullableAnnotation.NotAnnotated));
    }
}
