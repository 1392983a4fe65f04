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
    /// <summary>
    /// PTL0003: install the entry only if it is still none when read under the ptl
    /// (<c>if (PteNone(PtepGet(pte))) SetPteAt(…);</c>), which is thread 003's recheck.
    /// </summary>
    [ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(InsertRecheckCodeFix)), Shared]
    public sealed class InsertRecheckCodeFix : PtLockCodeFix
    {
        public InsertRecheckCodeFix() : base(DiagnosticIds.PteRecheckUnderPtl) { }

        public const string EquivalenceKey = "PTL0003.InsertRecheck";

        private protected override CodeAction? CreateFix(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (WriteGuard.Find(root, diagnostic) is not (var write, var statement))
                return null;
            if (model.GetOperation(write, cancellationToken) is not Microsoft.CodeAnalysis.Operations.IInvocationOperation call)
                return null;
            string? target = LockEngine.For(model.Compilation).Model.GetContract(call.TargetMethod).EntryWrite;
            var entry = call.Arguments.FirstOrDefault(a => a.Parameter?.Name == target)?.Value.Syntax as ExpressionSyntax;
            if (entry is null)
                return null;
            var pteNone = Kernel(model, statement.SpanStart, call.TargetMethod, "pte_none");
            var ptepGet = Kernel(model, statement.SpanStart, call.TargetMethod, "ptep_get");
            if (pteNone is null || ptepGet is null)
                return null;
            var condition = SyntaxFactory.InvocationExpression(pteNone, Arguments(SyntaxFactory.InvocationExpression(ptepGet, Arguments(entry.WithoutTrivia()))));
            if (WriteGuard.Guard(statement, condition) is not { } change)
                return null;
            return CodeAction.Create("Install only if the entry is still none under the lock",
                ct => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(change.Replaced, change.Replacement))),
                EquivalenceKey);
        }
    }
}
