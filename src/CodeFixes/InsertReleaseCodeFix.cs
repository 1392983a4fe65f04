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
    public sealed class InsertReleaseCodeFix : PtLockCodeFix
    {
        public InsertReleaseCodeFix() : base(DiagnosticIds.HeldAtExit) { }

        public const string EquivalenceKey = "PTL1005.InsertRelease";

        private protected override CodeAction? CreateFix(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue("Lock", out var lockText) || lockText is null)
                return null;
            if (ExitInsertion.Find(root, diagnostic.Location) is not { } exit)
                return null;
            var release = LockOperations.Statement(model, exit.Position, lockText, release: true, shared: false);
            if (release is null)
                return null;
            return CodeAction.Create($"Release '{lockText}' before returning",
                ct => Task.FromResult(document.WithSyntaxRoot(exit.Insert(root, release))),
                EquivalenceKey + ":" + lockText);
        }
    }
}
