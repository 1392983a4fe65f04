using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using PtLock.Analyzers.Engine;

namespace PtLock.Analyzers.Rules
{
    /// <summary>
    /// PTL0009: in a zap path ([ZapPath]), each entry clear ([ClearsEntry]) must be followed by a [KeepsUffdWp]
    /// call on the same entry pointer (thread 002): later in the text, and inside the same loop iteration when the
    /// clear is in a loop. Order-aware but not path-sensitive on purpose: every kernel zap loop makes the marker
    /// call right after each clear, unconditionally, and lets the callee decide.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class UffdWpMarkerOnZapAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Descriptors.UffdWpMarkerOnZap);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            // Generated code is skipped here, as by the lock rules (GeneratedCode says why).
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
            context.RegisterCompilationStartAction(start =>
            {
                if (!LockEngine.For(start.Compilation).Model.HasContracts)
                    return;
                // Per file, and only the bodies of [ZapPath] methods are bound: an operation-block action would
                // make the driver build IOperation trees for every body of the compilation.
                start.RegisterSemanticModelAction(file =>
                {
                    if (file.IsGeneratedCode)
                        return;
                    var model = file.SemanticModel;
                    bool? fileMentionsGeneratedCode = null;
                    foreach (var declaration in LockEngine.AnalysedDeclarations(model.SyntaxTree.GetRoot(file.CancellationToken)))
                    {
                        // Methods and accessors ([ZapPath] may sit on either); other declarations declare no method.
                        if (LockEngine.BodyOf(declaration) is null || !MayCarryZapPath(declaration))
                            continue;
                        if (model.GetDeclaredSymbol(declaration, file.CancellationToken) is not IMethodSymbol method || !Has(method, "ZapPathAttribute"))
                            continue;
                        if (GeneratedCode.IsMarked(declaration, model, ref fileMentionsGeneratedCode, file.CancellationToken))
                            continue;
                        if (model.GetOperation(declaration, file.CancellationToken) is { } body)
                            CheckZapPath(method, body, file.ReportDiagnostic);
                    }
                });
            });
        }

        /// <summary>
        /// Whether [ZapPath] can be on this declaration's method, read from syntax: the attribute sits on the method or
        /// accessor itself, or on the other part of a partial method or property. Binding the attributes of every method of the
        /// file at each keystroke is what this avoids.
        /// </summary>
        private static bool MayCarryZapPath(SyntaxNode declaration) => declaration switch
        {
            AccessorDeclarationSyntax accessor => accessor.AttributeLists.Count > 0 || accessor.Parent?.Parent is MemberDeclarationSyntax property && property.Modifiers.Any(SyntaxKind.PartialKeyword),
            MemberDeclarationSyntax member => member.AttributeLists.Count > 0 || member.Modifiers.Any(SyntaxKind.PartialKeyword),
            _ => true,
        };

        private static void CheckZapPath(IMethodSymbol method, IOperation body, System.Action<Diagnostic> report)
        {
            var calls = body.DescendantsAndSelf().OfType<IInvocationOperation>().ToList();
            var keepCalls = calls.Where(c => Has(c.TargetMethod, "KeepsUffdWpAttribute")).ToList();
            foreach (var call in calls.Where(c => Has(c.TargetMethod, "ClearsEntryAttribute")))
            {
                var loop = EnclosingLoop(call);
                bool kept = keepCalls.Any(k => k.Syntax.SpanStart > call.Syntax.Span.End
                                               && (loop is null || loop.Syntax.Span.Contains(k.Syntax.Span))
                                               && SharesEntryPointer(call, k));
                if (!kept)
                    report(Diagnostic.Create(Descriptors.UffdWpMarkerOnZap, call.Syntax.GetLocation(), call.TargetMethod.Name, method.Name));
            }
        }

        private static ILoopOperation? EnclosingLoop(IOperation op)
        {
            for (var p = op.Parent; p is not null; p = p.Parent)
                if (p is ILoopOperation loop)
                    return loop;
            return null;
        }

        /// <summary>The marker call names the cleared entry: an argument of a reference type written the same way.</summary>
        private static bool SharesEntryPointer(IInvocationOperation clear, IInvocationOperation keep)
        {
            foreach (var c in clear.Arguments)
            {
                if (c.Value.Type is not { IsReferenceType: true } type)
                    continue;
                string text = c.Value.Syntax.ToString();
                foreach (var k in keep.Arguments)
                    if (SymbolEqualityComparer.Default.Equals(k.Value.Type, type) && k.Value.Syntax.ToString() == text)
                        return true;
            }
            return false;
        }

        private static bool Has(IMethodSymbol method, string attributeName)
        {
            foreach (var a in (method.ReducedFrom ?? method).GetAttributes())
            {
                if (a.AttributeClass is { Name: var name, ContainingNamespace: { Name: "Contracts", ContainingNamespace: { Name: "PtLock", ContainingNamespace.IsGlobalNamespace: true } } }
                    && name == attributeName)
                    return true;
            }
            return false;
        }
    }
}
