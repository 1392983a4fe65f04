using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PtLock.CodeFixes
{
    /// <summary>
    /// What every PtLock fix shares: one rule, Fix All by batching, and the document's root and semantic model
    /// fetched once; a fix only decides, per diagnostic, which change to offer (or none).
    /// </summary>
    public abstract class PtLockCodeFix : CodeFixProvider
    {
        private protected PtLockCodeFix(string diagnosticId) => FixableDiagnosticIds = ImmutableArray.Create(diagnosticId);

        public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

        public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
                return;
            foreach (var diagnostic in context.Diagnostics)
            {
                if (CreateFix(context.Document, root, model, diagnostic, context.CancellationToken) is { } action)
                    context.RegisterCodeFix(action, diagnostic);
            }
        }

        /// <summary>The change for one diagnostic, or null when no unambiguous fix exists there.</summary>
        private protected abstract CodeAction? CreateFix(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken);

        /// <summary>The static method modelling a kernel function (<c>[Kernel("…")]</c>) in the namespace next to <paramref name="anchor"/>.</summary>
        private protected static IMethodSymbol? KernelMethod(IMethodSymbol anchor, string kernelName)
        {
            var ns = anchor.ContainingType?.ContainingNamespace;
            if (ns is null)
                return null;
            foreach (var type in ns.GetTypeMembers())
            {
                foreach (var m in type.GetMembers().OfType<IMethodSymbol>())
                {
                    if (m.IsStatic && IsKernel(m, kernelName))
                        return m;
                }
            }
            return null;
        }

        /// <summary>Whether <paramref name="method"/> models the kernel function <paramref name="kernelName"/> (<c>[Kernel("…")]</c>).</summary>
        private protected static bool IsKernel(IMethodSymbol method, string kernelName) =>
            method.GetAttributes().Any(a => a.AttributeClass?.Name == "KernelAttribute" && a.ConstructorArguments.FirstOrDefault().Value as string == kernelName);

        /// <summary>A static method named as it binds at <paramref name="position"/>: bare when imported, else type-qualified.</summary>
        private protected static ExpressionSyntax NameAt(SemanticModel model, int position, IMethodSymbol method)
        {
            bool bare = model.LookupSymbols(position, name: method.Name).Any(s => SymbolEqualityComparer.Default.Equals(s, method));
            return bare || method.ContainingType is null
                ? SyntaxFactory.IdentifierName(method.Name)
                : SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression,
                    SyntaxFactory.ParseTypeName(method.ContainingType.ToMinimalDisplayString(model, position)), SyntaxFactory.IdentifierName(method.Name));
        }

        /// <summary>The kernel function's method named as it binds at <paramref name="position"/>, or null when the runtime has none.</summary>
        private protected static ExpressionSyntax? Kernel(SemanticModel model, int position, IMethodSymbol anchor, string kernelName) =>
            KernelMethod(anchor, kernelName) is { } m ? NameAt(model, position, m) : null;

        private protected static ArgumentListSyntax Arguments(params ExpressionSyntax[] values) =>
            SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(values.Select(SyntaxFactory.Argument)));
    }
}
