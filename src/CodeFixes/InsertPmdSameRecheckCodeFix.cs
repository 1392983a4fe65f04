using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using PtLock.Analyzers;

namespace PtLock.CodeFixes
{
    /// <summary>
    /// PTL0006: write only if the PMD still holds the value <c>pte_offset_map_rw_nolock()</c> mapped through
    /// (<c>PmdSame(pmdval, PmdpGetLockless(pmd))</c>), the recheck try_to_free_pte() and collapse rely on.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsertPmdSameRecheckCodeFix)), Shared]
    public sealed class InsertPmdSameRecheckCodeFix : PtLockCodeFix
    {
        public InsertPmdSameRecheckCodeFix() : base(DiagnosticIds.RwNolockRecheck) { }

        public const string EquivalenceKey = "PTL0006.InsertPmdSame";

        private protected override CodeAction? CreateFix(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue("Lock", out var lockName) || lockName is null
                || WriteGuard.Find(root, diagnostic) is not (var write, var statement)
                || model.GetOperation(write, cancellationToken) is not IInvocationOperation writeCall)
                return null;
            if (FindWalker(model, write, lockName, cancellationToken) is not { } walker
                || Snapshot(walker) is not { } pmdval
                || KernelMethod(writeCall.TargetMethod, "pmd_same") is not { } pmdSame
                || KernelMethod(writeCall.TargetMethod, "pmdp_get_lockless") is not { } getLockless
                || getLockless.Parameters.Length != 1
                || walker.Arguments.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.Parameter?.Type, getLockless.Parameters[0].Type))?.Value.Syntax is not ExpressionSyntax pmd)
                return null;
            // The PMD expression is re-evaluated at the write: only a plain local or parameter means the same PMD there.
            if (pmd is not IdentifierNameSyntax)
                return null;

            int position = statement.SpanStart;
            var recheck = SyntaxFactory.InvocationExpression(NameAt(model, position, pmdSame), Arguments(
                SyntaxFactory.IdentifierName(pmdval),
                SyntaxFactory.InvocationExpression(NameAt(model, position, getLockless), Arguments(pmd.WithoutTrivia()))));

            if (WriteGuard.Guard(statement, recheck) is not { } change)
                return null;
            return CodeAction.Create("Write only if pmd_same() against the mapped PMD value",
                ct => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(change.Replaced, change.Replacement))),
                EquivalenceKey);
        }

        /// <summary>
        /// The nearest <c>[MapsPte(NeedsRevalidation = true)]</c> call before the write, in the same body, whose
        /// delivered lock (a <c>[ReturnsCapability]</c> out argument) is the local the diagnostic names.
        /// </summary>
        private static IInvocationOperation? FindWalker(SemanticModel model, SyntaxNode write, string lockName, CancellationToken cancellationToken)
        {
            var body = WriteGuard.EnclosingFunction(write);
            if (body is null)
                return null;
            IInvocationOperation? nearest = null;
            foreach (var candidate in body.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (candidate.SpanStart >= write.SpanStart
                    || model.GetOperation(candidate, cancellationToken) is not IInvocationOperation call
                    || !NeedsRevalidation(call.TargetMethod)
                    || !call.Arguments.Any(a => HasAttribute(a.Parameter, "ReturnsCapabilityAttribute") && OutName(a) == lockName))
                    continue;
                nearest = call;
            }
            return nearest;
        }

        private static bool NeedsRevalidation(IMethodSymbol method) =>
            method.GetAttributes().Any(a => a.AttributeClass?.Name == "MapsPteAttribute"
                && a.NamedArguments.Any(n => n.Key == "NeedsRevalidation" && n.Value.Value is true));

        /// <summary>The local that received the PMD value the walker mapped through; null for a discard.</summary>
        private static string? Snapshot(IInvocationOperation walker) =>
            walker.Arguments.FirstOrDefault(a => HasAttribute(a.Parameter, "LocklessSnapshotAttribute")) is { } arg ? OutName(arg) : null;

        private static bool HasAttribute(IParameterSymbol? parameter, string name) =>
            parameter is not null && parameter.GetAttributes().Any(a => a.AttributeClass?.Name == name);

        private static string? OutName(IArgumentOperation argument) => argument.Value.Syntax switch
        {
            DeclarationExpressionSyntax { Designation: SingleVariableDesignationSyntax v } => v.Identifier.ValueText,
            IdentifierNameSyntax { Identifier.ValueText: not "_" } id when argument.Value is ILocalReferenceOperation or IParameterReferenceOperation => id.Identifier.ValueText,
            _ => null,
        };
    }
}
