using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PtLock.Analyzers.Engine
{
    /// <summary>
    /// Runs the held-lock dataflow once per body and shares the findings among the rule analyzers, so that
    /// nine rules cost one analysis. Results are cached per compilation and body.
    /// </summary>
    internal static class LockEngine
    {
        private static readonly ConditionalWeakTable<Compilation, CompilationResults> s_results = new ConditionalWeakTable<Compilation, CompilationResults>();
        private static int s_internalErrors;

        /// <summary>How many times the engine hit a bug of its own and stayed silent instead of crashing the host.</summary>
        public static int InternalErrors => Volatile.Read(ref s_internalErrors);

        public sealed class CompilationResults
        {
            public CompilationResults(Compilation compilation) => Model = ContractModel.Create(compilation);
            public ContractModel Model { get; }
            public ConcurrentDictionary<SyntaxNode, Lazy<IReadOnlyList<Finding>>> Bodies { get; } = new ConcurrentDictionary<SyntaxNode, Lazy<IReadOnlyList<Finding>>>();
        }

        public static CompilationResults For(Compilation compilation) => s_results.GetValue(compilation, c => new CompilationResults(c));

        /// <summary>The findings for every body in this operation block (lambdas and local functions included).</summary>
        public static IEnumerable<Finding> Analyze(CompilationResults results, OperationBlockAnalysisContext context)
        {
            if (context.OwningSymbol is not IMethodSymbol method
                || method.MethodKind is MethodKind.Constructor or MethodKind.StaticConstructor or MethodKind.Destructor)
                return Array.Empty<Finding>();
            // Lock implementations (members of capability and scoped-capability types) are trusted, as in
            // Clang: their bodies manipulate the lock they implement.
            if (results.Model.GetCapability(method.ContainingType) is not null || results.Model.IsScopedCapability(method.ContainingType))
                return Array.Empty<Finding>();
            var all = new List<Finding>();
            foreach (var block in context.OperationBlocks)
            {
                if (block is not (IMethodBodyBaseOperation or IBlockOperation))
                    continue;
                if (block.Syntax is null)
                    continue;
                var lazy = results.Bodies.GetOrAdd(block.Syntax, _ => new Lazy<IReadOnlyList<Finding>>(
                    () => AnalyzeBody(results.Model, block, method, context), LazyThreadSafetyMode.ExecutionAndPublication));
                all.AddRange(lazy.Value);
            }
            return all;
        }

        private static IReadOnlyList<Finding> AnalyzeBody(ContractModel model, IOperation block, IMethodSymbol method, OperationBlockAnalysisContext context)
        {
            try
            {
                var own = model.GetContract(method);
                bool ownContractChecked = !own.Acquires.IsEmpty || !own.AcquiresShared.IsEmpty || !own.Releases.IsEmpty || !own.ReleasesShared.IsEmpty;
                if (!ownContractChecked && !NeedsAnalysis(model, block))
                    return Array.Empty<Finding>();
                var cfg = context.GetControlFlowGraph(block);
                var findings = new List<Finding>();
                AnalyzeGraph(model, cfg, method, findings, context.CancellationToken);
                return findings;
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception)
            {
                Interlocked.Increment(ref s_internalErrors);
                return Array.Empty<Finding>();
            }
        }

        private static void AnalyzeGraph(ContractModel model, ControlFlowGraph cfg, IMethodSymbol? method, List<Finding> findings, CancellationToken cancellation)
        {
            if (method is null || !model.GetContract(method).NoLockAnalysis)
                findings.AddRange(new LockFlowAnalysis(model, cfg, method, cancellation).Run());

            foreach (var local in cfg.LocalFunctions)
                AnalyzeGraph(model, cfg.GetLocalFunctionControlFlowGraph(local, cancellation), local, findings, cancellation);
            foreach (var block in cfg.Blocks)
            {
                foreach (var op in block.Operations.Concat(block.BranchValue is null ? Enumerable.Empty<IOperation>() : new[] { block.BranchValue }))
                {
                    foreach (var lambda in op.DescendantsAndSelf().OfType<IFlowAnonymousFunctionOperation>())
                        AnalyzeGraph(model, cfg.GetAnonymousFunctionControlFlowGraph(lambda, cancellation), lambda.Symbol, findings, cancellation);
                }
            }
        }

        /// <summary>The cheap pre-filter: a body that calls nothing annotated and touches nothing guarded costs no CFG.</summary>
        private static bool NeedsAnalysis(ContractModel model, IOperation block)
        {
            foreach (var op in block.DescendantsAndSelf())
            {
                switch (op)
                {
                    case IInvocationOperation call when model.GetContract(call.TargetMethod).AffectsLocks:
                        return true;
                    case IFieldReferenceOperation field when !model.GetGuard(field.Field).IsEmpty:
                        return true;
                    case IPropertyReferenceOperation property when !model.GetGuard(property.Property).IsEmpty:
                        return true;
                    case ILocalFunctionOperation local when !model.GetContract(local.Symbol).IsEmpty:
                        return true;
                    case IAnonymousFunctionOperation lambda when !model.GetContract(lambda.Symbol).IsEmpty:
                        return true;
                }
            }
            return false;
        }
    }
}
