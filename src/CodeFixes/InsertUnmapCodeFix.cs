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
using PtLock.Analyzers;
using PtLock.Analyzers.Engine;

namespace PtLock.CodeFixes
{
    /// <summary>PTL0005: unmap (and unlock, for the locking walker) before the return that leaks the mapping.</summary>
    [ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(InsertUnmapCodeFix)), Shared]
    public sealed class InsertUnmapCodeFix : PtLockCodeFix
    {
        public InsertUnmapCodeFix() : base(DiagnosticIds.PteMapUnmapPairing) { }

        public const string EquivalenceKey = "PTL0005.InsertUnmap";

        private protected override CodeAction? CreateFix(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue("Pte", out var pte) || pte is null || !SyntaxFacts.IsValidIdentifier(pte))
                return null;
            diagnostic.Properties.TryGetValue("Ptl", out var ptl);
            if (ptl is not null && !SyntaxFacts.IsValidIdentifier(ptl))
                return null;
            if (ExitInsertion.Find(root, diagnostic.Location) is not { } exit)
                return null;
            var unmap = Unmap(model, exit.Position, pte, ptl);
            if (unmap is null)
                return null;
            return CodeAction.Create(ptl is null ? $"Unmap '{pte}' before returning" : $"Unmap '{pte}' and unlock '{ptl}' before returning",
                ct => Task.FromResult(document.WithSyntaxRoot(exit.Insert(root, unmap))),
                EquivalenceKey);
        }

        /// <summary>PteUnmap(pte) or PteUnmapUnlock(pte, ptl): the API's [UnmapsPte] methods, chosen by arity.</summary>
        private static StatementSyntax? Unmap(SemanticModel model, int position, string pte, string? ptl)
        {
            var pteType = model.GetSpeculativeTypeInfo(position, SyntaxFactory.IdentifierName(pte), SpeculativeBindingOption.BindAsExpression).Type;
            if (pteType is null || pteType.TypeKind == TypeKind.Error)
                return null;
            var contracts = LockEngine.For(model.Compilation).Model;
            int arity = ptl is null ? 1 : 2;
            foreach (var type in pteType.ContainingNamespace.GetTypeMembers())
            {
                foreach (var m in type.GetMembers().OfType<IMethodSymbol>())
                {
                    if (!m.IsStatic || m.Parameters.Length != arity || !model.IsAccessible(position, m)
                        || !SymbolEqualityComparer.Default.Equals(m.Parameters[0].Type, pteType)
                        || contracts.GetContract(m).UnmapsPte != m.Parameters[0].Name)
                        continue;
                    var args = ptl is null
                        ? new[] { SyntaxFactory.Argument(SyntaxFactory.IdentifierName(pte)) }
                        : new[] { SyntaxFactory.Argument(SyntaxFactory.IdentifierName(pte)), SyntaxFactory.Argument(SyntaxFactory.IdentifierName(ptl)) };
                    return SyntaxFactory.ExpressionStatement(SyntaxFactory.InvocationExpression(
                        LockOperations.Qualified(model, position, m), SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(args))));
                }
            }
            return null;
        }
    }
}
