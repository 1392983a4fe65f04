using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

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
    }
}
