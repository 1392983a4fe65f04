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
    /// PTL0001: change the PMD only if, read again under the PMD lock, it still is what the decision was made
    /// on. Populating a table: <c>PmdNone(PmdpGet(pmd))</c>, as pmd_install() does. Any other PMD write:
    /// <c>PmdSame(snapshot, PmdpGet(pmd))</c> against the nearest earlier snapshot of the same PMD.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsertPmdRecheckCodeFix)), Shared]
    public sealed class InsertPmdRecheckCodeFix : PtLockCodeFix
    {
        public InsertPmdRecheckCodeFix() : base(DiagnosticIds.PmdRecheckAfterLock) { }

        public const string EquivalenceKey = "PTL0001.InsertPmdRecheck";

        private protected override CodeAction? CreateFix(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (WriteGuard.Find(root, diagnostic) is not (var write, var statement)
                || model.GetOperation(write, cancellationToken) is not IInvocationOperation call
                || KernelMethod(call.TargetMethod, "pmdp_get") is not { Parameters.Length: 1 } pmdpGet
                || call.Arguments.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.Parameter?.Type, pmdpGet.Parameters[0].Type))?.Value is not { } pmdArgument
                || pmdArgument.Syntax is not IdentifierNameSyntax pmd
                || pmdArgument is not (ILocalReferenceOperation or IParameterReferenceOperation))
                return null;

            int position = statement.SpanStart;
            var current = SyntaxFactory.InvocationExpression(NameAt(model, position, pmdpGet), Arguments(pmd.WithoutTrivia()));
            ExpressionSyntax recheck;
            string title;
            if (IsKernel(call.TargetMethod, "pmd_populate"))
            {
                if (KernelMethod(call.TargetMethod, "pmd_none") is not { } pmdNone)
                    return null;
                recheck = SyntaxFactory.InvocationExpression(NameAt(model, position, pmdNone), Arguments(current));
                title = "Populate only if the PMD is still none under the lock";
            }
            else
            {
                if (KernelMethod(call.TargetMethod, "pmd_same") is not { } pmdSame
                    || LatestSnapshot(model, write, pmdArgument, pmdpGet.Parameters[0].Type, cancellationToken) is not { } snapshot)
                    return null;
                recheck = SyntaxFactory.InvocationExpression(NameAt(model, position, pmdSame), Arguments(SyntaxFactory.IdentifierName(snapshot), current));
                title = "Change the PMD only if pmd_same() against '" + snapshot + "' under the lock";
            }
            if (WriteGuard.Guard(statement, recheck) is not { } change)
                return null;
            return CodeAction.Create(title,
                ct => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(change.Replaced, change.Replacement))),
                EquivalenceKey);
        }

        /// <summary>
        /// The local that last received a value read from the same PMD before the write (<c>var v = PmdpGetLockless(pmd)</c>
        /// or <c>PmdpGet(pmd)</c>): the value the caller decided on.
        /// </summary>
        private static string? LatestSnapshot(SemanticModel model, SyntaxNode write, IOperation pmd, ITypeSymbol pmdType, CancellationToken cancellationToken)
        {
            var pmdSymbol = (pmd as ILocalReferenceOperation)?.Local as ISymbol ?? (pmd as IParameterReferenceOperation)?.Parameter;
            var body = WriteGuard.EnclosingFunction(write);
            if (body is null || pmdSymbol is null)
                return null;
            string? latest = null;
            foreach (var read in body.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (read.SpanStart >= write.SpanStart
                    || model.GetOperation(read, cancellationToken) is not IInvocationOperation call)
                    continue;
                // A walker's [LocklessSnapshot] out argument is the PMD value it mapped the table from
                // (pte_offset_map_rw_nolock(mm, pmd, addr, &pmdval, &ptl)).
                if (OutSnapshotOf(call, pmdSymbol, pmdType) is { } snapshot)
                {
                    latest = snapshot;
                    continue;
                }
                if (!(IsKernel(call.TargetMethod, "pmdp_get_lockless") || IsKernel(call.TargetMethod, "pmdp_get"))
                    || call.Arguments.Length != 1
                    || !SymbolEqualityComparer.Default.Equals(ReferencedSymbol(call.Arguments[0].Value), pmdSymbol))
                    continue;
                string? target = read.Parent switch
                {
                    EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } => declarator.Identifier.ValueText,
                    AssignmentExpressionSyntax { Left: IdentifierNameSyntax local } assignment when assignment.Right == read => local.Identifier.ValueText,
                    _ => null,
                };
                if (target is not null)
                    latest = target;
            }
            return latest;
        }

        /// <summary>The local a call writes a [LocklessSnapshot] PMD value of <paramref name="pmdSymbol"/> into, if any.</summary>
        private static string? OutSnapshotOf(IInvocationOperation call, ISymbol pmdSymbol, ITypeSymbol pmdType)
        {
            if (!call.Arguments.Any(a => SymbolEqualityComparer.Default.Equals(a.Parameter?.Type, pmdType)
                                         && SymbolEqualityComparer.Default.Equals(ReferencedSymbol(a.Value), pmdSymbol)))
                return null;
            foreach (var arg in call.Arguments)
            {
                if (arg.Parameter is not { RefKind: RefKind.Out } p || !p.GetAttributes().Any(a => a.AttributeClass?.Name == "LocklessSnapshotAttribute"))
                    continue;
                if (arg.Value is ILocalReferenceOperation local)
                    return local.Local.Name;
                if (arg.Value is IDeclarationExpressionOperation { Expression: ILocalReferenceOperation declared })
                    return declared.Local.Name;
            }
            return null;
        }

        private static ISymbol? ReferencedSymbol(IOperation value) => value switch
        {
            IConversionOperation conversion => ReferencedSymbol(conversion.Operand),
            ILocalReferenceOperation local => local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            _ => null,
        };
    }
}
