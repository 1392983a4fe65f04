using System.Collections.Immutable;
using System.Composition;
using System.Linq;
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
    public sealed class InsertUnmapCodeFix : CodeFixProvider
    {
        public const string EquivalenceKey = "PTL0005.InsertUnmap";

        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticIds.PteMapUnmapPairing);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
                return;
            foreach (var diagnostic in context.Diagnostics)
            {
                if (!diagnostic.Properties.TryGetValue("Pte", out var pte) || pte is null || !SyntaxFacts.IsValidIdentifier(pte))
                    continue;
                diagnostic.Properties.TryGetValue("Ptl", out var ptl);
                if (ptl is not null && !SyntaxFacts.IsValidIdentifier(ptl))
                    continue;
                if (ExitInsertion.Find(root, diagnostic.Location) is not { } exit)
                    continue;
                var unmap = Unmap(model, exit.Position, pte, ptl);
                if (unmap is null)
                    continue;
                context.RegisterCodeFix(
                    CodeAction.Create(ptl is null ? $"Unmap '{pte}' before returning" : $"Unmap '{pte}' and unlock '{ptl}' before returning",
                        ct => Task.FromResult(context.Document.WithSyntaxRoot(exit.Insert(root, unmap))),
                        EquivalenceKey),
                    diagnostic);
            }
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
