using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using PtLock.Analyzers.Engine;

namespace PtLock.Benchmarks.Analyzers;

/// <summary>
/// What Roslyn charges any IOperation-based analyzer for the bodies PtLock looks at: the same file callback and
/// syntax pre-filter, then only binding the body to an IOperation tree, or binding and building its
/// control-flow graph. PtLock's time minus this floor is the part its own engine is responsible for.
/// </summary>
internal abstract class FloorAnalyzer : DiagnosticAnalyzer
{
    private static readonly DiagnosticDescriptor Rule = new("FLOOR0001", "Floor", "Floor", "Benchmark", DiagnosticSeverity.Warning, isEnabledByDefault: true);
    private readonly bool _buildGraph;

    protected FloorAnalyzer(bool buildGraph) => _buildGraph = buildGraph;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public sealed override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var results = LockEngine.For(start.Compilation);
            start.RegisterSemanticModelAction(model =>
            {
                foreach (var node in LockEngine.AnalysedDeclarations(model.SemanticModel.SyntaxTree.GetRoot(model.CancellationToken)))
                {
                    if (!LockEngine.PassesSyntaxPreFilter(results, node))
                        continue;
                    var operation = model.SemanticModel.GetOperation(node, model.CancellationToken);
                    if (_buildGraph && operation is IMethodBodyOperation body)
                        GC.KeepAlive(ControlFlowGraph.Create(body, model.CancellationToken));
                }
            });
        });
    }
}


/// <summary>The floor: binding only (a class per variant, since a build's driver needs a parameterless constructor).</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
internal sealed class FloorBindAnalyzer : FloorAnalyzer
{
    public FloorBindAnalyzer() : base(buildGraph: false) { }
}

/// <summary>The floor: binding and the control-flow graph.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
internal sealed class FloorGraphAnalyzer : FloorAnalyzer
{
    public FloorGraphAnalyzer() : base(buildGraph: true) { }
}
