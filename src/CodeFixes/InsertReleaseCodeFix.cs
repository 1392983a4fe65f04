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
                if (ExitInsertion.Find(root, diagnostic.Location) is not { } exit)
                    continue;
                var release = LockOperations.Statement(model, exit.Position, lockText, release: true, shared: false);
                if (release is null)
                    continue;
                context.RegisterCodeFix(
                    CodeAction.Create($"Release '{lockText}' before returning",
                        ct => Task.FromResult(context.Document.WithSyntaxRoot(exit.Insert(root, release))),
                        EquivalenceKey + ":" + lockText),
                    diagnostic);
            }
        }
    }
}
