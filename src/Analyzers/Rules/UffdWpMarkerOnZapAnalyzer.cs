using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace PtLock.Analyzers.Rules
{
    /// <summary>
    /// PTL0009: a zap path ([ZapPath]) that clears entries ([ClearsEntry]) and never calls a [KeepsUffdWp] method
    /// drops the uffd-wp protection of file-backed entries (thread 002). Flow-insensitive on purpose: the
    /// marker call is per cleared entry in every kernel zap loop, so its absence from the body is the bug.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class UffdWpMarkerOnZapAnalyzer : DiagnosticAnalyzer
    {
        private const string Ns = "PtLock.Contracts.";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Descriptors.UffdWpMarkerOnZap);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                if (start.Compilation.GetTypeByMetadataName(Ns + "ZapPathAttribute") is not { } zapPath)
                    return;
                var clears = start.Compilation.GetTypeByMetadataName(Ns + "ClearsEntryAttribute");
                var keeps = start.Compilation.GetTypeByMetadataName(Ns + "KeepsUffdWpAttribute");
                start.RegisterOperationBlockAction(block =>
                {
                    if (block.OwningSymbol is not IMethodSymbol method || !Has(method, zapPath))
                        return;
                    var calls = block.OperationBlocks.SelectMany(b => b.DescendantsAndSelf()).OfType<IInvocationOperation>().ToList();
                    if (calls.Any(c => Has(c.TargetMethod, keeps)))
                        return;
                    foreach (var call in calls.Where(c => Has(c.TargetMethod, clears)))
                        block.ReportDiagnostic(Diagnostic.Create(Descriptors.UffdWpMarkerOnZap, call.Syntax.GetLocation(), call.TargetMethod.Name, method.Name));
                });
            });
        }

        private static bool Has(IMethodSymbol method, INamedTypeSymbol? attribute) =>
            attribute is not null && (method.ReducedFrom ?? method).GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute));
    }
}
