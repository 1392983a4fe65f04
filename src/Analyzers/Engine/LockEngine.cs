using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
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
            private readonly Compilation _compilation;
            private HashSet<string>? _interestingNames;
            private NameTextScan? _nameScan;

            public CompilationResults(Compilation compilation)
            {
                _compilation = compilation;
                Model = ContractModel.Create(compilation);
            }

            public ContractModel Model { get; }
            /// <summary>Per file, the findings of every body in it, by rule ID: each rule analyzer takes its own.</summary>
            public ConcurrentDictionary<SyntaxTree, Lazy<Dictionary<string, List<Finding>>>> Trees { get; } = new ConcurrentDictionary<SyntaxTree, Lazy<Dictionary<string, List<Finding>>>>();

            /// <summary>
            /// Per declaration, the findings of its body before the generated-code filter, from whichever pass analysed it
            /// first: the early one (<see cref="AnalyzeAhead"/>) or the file's.
            /// </summary>
            public ConcurrentDictionary<SyntaxNode, Lazy<IReadOnlyList<Finding>>> Bodies { get; } = new ConcurrentDictionary<SyntaxNode, Lazy<IReadOnlyList<Finding>>>();

            private int _earlyPassClaimed;

            /// <summary>True for the first caller only: that rule analyzer registers the early pass for all of them.</summary>
            public bool ClaimEarlyPass() => Interlocked.Exchange(ref _earlyPassClaimed, 1) == 0;

            /// <summary>Names of every annotated member and framework lock method: bodies mentioning none of them are skipped unbound.</summary>
            public HashSet<string> InterestingNames => LazyInitializer.EnsureInitialized(ref _interestingNames, () => InterestingNameIndex.Build(_compilation))!;

            /// <summary>The same names, for the pre-filter's text-only first step.</summary>
            public NameTextScan NameScan => LazyInitializer.EnsureInitialized(ref _nameScan, () => new NameTextScan(InterestingNames))!;
        }

        [MethodImpl(JitOptions.Optimized)]
        public static CompilationResults For(Compilation compilation) => s_results.GetValue(compilation, c => new CompilationResults(c));

        private static readonly IReadOnlyList<Finding> s_none = Array.Empty<Finding>();

        /// <summary>
        /// The findings of rule <paramref name="ruleId"/> in the file of <paramref name="model"/>. Every rule analyzer
        /// asks for every file: the first to ask walks the file and runs the dataflow on each body, the others wait
        /// for that result and take their share of it.
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        public static IReadOnlyList<Finding> FindingsFor(CompilationResults results, string ruleId, SemanticModel model, CancellationToken cancellation)
        {
            var tree = model.SyntaxTree;
            if (!results.Trees.TryGetValue(tree, out var lazy))
                lazy = AddTree(results, model, cancellation);
            try
            {
                return lazy.Value.TryGetValue(ruleId, out var findings) ? findings : s_none;
            }
            catch (OperationCanceledException)
            {
                // A Lazy keeps the exception of its factory: forget a cancelled run so that the next request for
                // this compilation (an IDE resumes cancelled work) analyses the file again instead of failing.
                ((ICollection<KeyValuePair<SyntaxTree, Lazy<Dictionary<string, List<Finding>>>>>)results.Trees).Remove(new KeyValuePair<SyntaxTree, Lazy<Dictionary<string, List<Finding>>>>(tree, lazy));
                if (cancellation.IsCancellationRequested)
                    throw;
                return FindingsFor(results, ruleId, model, cancellation); // it was another caller's run that was cancelled
            }
        }

        /// <summary>The file's pending analysis, made by the first rule to ask (the closure is built only then).</summary>
        private static Lazy<Dictionary<string, List<Finding>>> AddTree(CompilationResults results, SemanticModel model, CancellationToken cancellation) =>
            results.Trees.GetOrAdd(model.SyntaxTree, _ => new Lazy<Dictionary<string, List<Finding>>>(() => AnalyzeTree(results, model, cancellation), LazyThreadSafetyMode.ExecutionAndPublication));

        [MethodImpl(JitOptions.Optimized)]
        private static Dictionary<string, List<Finding>> AnalyzeTree(CompilationResults results, SemanticModel model, CancellationToken cancellation)
        {
            var byRule = new Dictionary<string, List<Finding>>();
            bool? fileMentionsGeneratedCode = null;
            foreach (var declaration in AnalysedDeclarations(model.SyntaxTree.GetRoot(cancellation)))
            {
                var findings = BodyFindings(results, declaration, model, cancellation);
                if (findings.Count > 0 && GeneratedCode.IsMarked(declaration, model, ref fileMentionsGeneratedCode, cancellation))
                    continue;
                foreach (var finding in findings)
                {
                    if (!byRule.TryGetValue(finding.RuleId, out var list))
                        byRule[finding.RuleId] = list = new List<Finding>();
                    list.Add(finding);
                }
            }
            return byRule;
        }

        /// <summary>
        /// Analyses the bodies of <paramref name="method"/> as the compiler declares it, ahead of the per-file pass that
        /// reports. In a build the compiler declares a method once it has bound its body, and the compilation's shared
        /// semantic model then holds that binding; a file is complete only after the last body of the compilation. So
        /// this runs beside the compilation of the other bodies, in time the compile leaves idle, instead of queueing
        /// behind it (docs/benchmarks.md, sessions 6 and 7). One rule analyzer does it for all (<see cref="CompilationResults.ClaimEarlyPass"/>):
        /// the driver's callback per method and analyzer costs more than the analysis saves when every rule registers one.
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        public static void AnalyzeAhead(CompilationResults results, IMethodSymbol method, Compilation compilation, CancellationToken cancellation)
        {
            foreach (var reference in method.DeclaringSyntaxReferences)
            {
                if (AnalysedDeclarationOf(reference.GetSyntax(cancellation)) is { } declaration && compilation.ContainsSyntaxTree(declaration.SyntaxTree))
                    BodyFindings(results, declaration, compilation.GetSemanticModel(declaration.SyntaxTree), cancellation);
            }
        }

        /// <summary>The declaration the per-file pass analyses for a method's declaring syntax (null when it analyses none there).</summary>
        [MethodImpl(JitOptions.Optimized)]
        internal static SyntaxNode? AnalysedDeclarationOf(SyntaxNode syntax) => syntax switch
        {
            // An expression-bodied property or indexer declares its getter with the arrow clause.
            ArrowExpressionClauseSyntax { Parent: PropertyDeclarationSyntax or IndexerDeclarationSyntax } arrow => arrow.Parent,
            MethodDeclarationSyntax or OperatorDeclarationSyntax or ConversionOperatorDeclarationSyntax or AccessorDeclarationSyntax or CompilationUnitSyntax => syntax,
            _ => null,
        };

        private static readonly Lazy<IReadOnlyList<Finding>> s_noBodyFindings = new Lazy<IReadOnlyList<Finding>>(() => s_none, LazyThreadSafetyMode.PublicationOnly);

        /// <summary>
        /// The findings of one declaration's body (its lambdas and local functions included), analysed once whether the
        /// early pass or the per-file pass asks first.
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        private static IReadOnlyList<Finding> BodyFindings(CompilationResults results, SyntaxNode declaration, SemanticModel model, CancellationToken cancellation)
        {
            if (BodyOf(declaration) is null)
                return s_none; // nothing to analyse or remember (a file without top-level statements, an abstract member)
            if (!results.Bodies.TryGetValue(declaration, out var lazy))
            {
                // A body the syntax pre-filter rejects gets the shared empty result, so the other pass skips the scan too.
                lazy = PassesSyntaxPreFilter(results, declaration)
                    ? results.Bodies.GetOrAdd(declaration, _ => new Lazy<IReadOnlyList<Finding>>(() => AnalyzeBody(results.Model, declaration, model, cancellation), LazyThreadSafetyMode.ExecutionAndPublication))
                    : results.Bodies.GetOrAdd(declaration, s_noBodyFindings);
            }
            try
            {
                return lazy.Value;
            }
            catch (OperationCanceledException)
            {
                // As for files (FindingsFor): the other pass, or a resumed request, analyses the body again.
                ((ICollection<KeyValuePair<SyntaxNode, Lazy<IReadOnlyList<Finding>>>>)results.Bodies).Remove(new KeyValuePair<SyntaxNode, Lazy<IReadOnlyList<Finding>>>(declaration, lazy));
                if (cancellation.IsCancellationRequested)
                    throw;
                return BodyFindings(results, declaration, model, cancellation);
            }
        }

        /// <summary>The declarations with bodies the engine analyses, and the compilation unit (top-level statements).</summary>
        [MethodImpl(JitOptions.Optimized)]
        internal static IEnumerable<SyntaxNode> AnalysedDeclarations(SyntaxNode root) =>
            root.DescendantNodesAndSelf(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax
                                             or BasePropertyDeclarationSyntax or AccessorListSyntax)
                .Where(n => n.RawKind is (int)SyntaxKind.MethodDeclaration or (int)SyntaxKind.OperatorDeclaration or (int)SyntaxKind.ConversionOperatorDeclaration
                    or (int)SyntaxKind.GetAccessorDeclaration or (int)SyntaxKind.SetAccessorDeclaration or (int)SyntaxKind.InitAccessorDeclaration
                    or (int)SyntaxKind.AddAccessorDeclaration or (int)SyntaxKind.RemoveAccessorDeclaration
                    or (int)SyntaxKind.PropertyDeclaration or (int)SyntaxKind.IndexerDeclaration or (int)SyntaxKind.CompilationUnit);

        /// <summary>
        /// Whether the syntax pre-filter lets this declaration's body through to binding (the benchmark's floor uses
        /// it too). A member with attributes may carry its own contract ([Acquires] with an empty body is a finding).
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        internal static bool PassesSyntaxPreFilter(CompilationResults results, SyntaxNode declaration) =>
            BodyOf(declaration) is { } body
            && (declaration is MemberDeclarationSyntax { AttributeLists.Count: > 0 }
                || results.NameScan.MayMention(body.SyntaxTree.GetText(), body.Span) && MentionsLocking(body, results.InterestingNames));

        [MethodImpl(JitOptions.Optimized)]
        internal static SyntaxNode? BodyOf(SyntaxNode declaration) => declaration switch
        {
            BaseMethodDeclarationSyntax m => (SyntaxNode?)m.Body ?? m.ExpressionBody,
            AccessorDeclarationSyntax a => (SyntaxNode?)a.Body ?? a.ExpressionBody,
            PropertyDeclarationSyntax p => p.ExpressionBody,
            IndexerDeclarationSyntax i => i.ExpressionBody,
            CompilationUnitSyntax unit when unit.Members.Any(m => m is GlobalStatementSyntax) => unit,
            _ => null,
        };

        /// <summary>Syntax-only pre-filter: a lock statement, or an identifier naming something annotated.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private static bool MentionsLocking(SyntaxNode body, HashSet<string> names)
        {
            foreach (var node in body.DescendantNodesAndSelf(n => n is not (ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax or InterfaceDeclarationSyntax)))
            {
                switch (node)
                {
                    case LockStatementSyntax:
                        return true;
                    case SimpleNameSyntax name when names.Contains(name.Identifier.ValueText):
                        return true;
                    case AttributeSyntax:
                        return true; // an attributed local function or lambda carries its own contract
                }
            }
            return false;
        }

        [MethodImpl(JitOptions.Optimized)]
        private static IReadOnlyList<Finding> AnalyzeBody(ContractModel model, SyntaxNode declaration, SemanticModel semanticModel, CancellationToken cancellation)
        {
            try
            {
                var symbol = semanticModel.GetDeclaredSymbol(declaration, cancellation) as IMethodSymbol
                             ?? (declaration is CompilationUnitSyntax ? semanticModel.GetEnclosingSymbol(declaration.SpanStart, cancellation) as IMethodSymbol : null)
                             ?? (declaration is PropertyDeclarationSyntax or IndexerDeclarationSyntax
                                 ? (semanticModel.GetDeclaredSymbol(declaration, cancellation) as IPropertySymbol)?.GetMethod
                                 : null);
                if (symbol is null || symbol.MethodKind is MethodKind.Constructor or MethodKind.StaticConstructor or MethodKind.Destructor)
                    return Array.Empty<Finding>();
                // Lock implementations (members of capability and scoped-capability types) are trusted, as in
                // Clang: their bodies manipulate the lock they implement.
                if (model.GetCapability(symbol.ContainingType) is not null || model.IsScopedCapability(symbol.ContainingType))
                    return Array.Empty<Finding>();
                var root = declaration is PropertyDeclarationSyntax p ? (SyntaxNode)p.ExpressionBody! : declaration is IndexerDeclarationSyntax ix ? ix.ExpressionBody! : declaration;
                var operation = semanticModel.GetOperation(root, cancellation);
                if (operation is null)
                    return Array.Empty<Finding>();
                var own = model.GetContract(symbol);
                bool ownContractChecked = !own.Acquires.IsEmpty || !own.AcquiresShared.IsEmpty || !own.Releases.IsEmpty || !own.ReleasesShared.IsEmpty;
                if (!NeedsAnalysis(model, operation, out bool hasLambdas) && !ownContractChecked)
                    return Array.Empty<Finding>();
                var cfg = operation switch
                {
                    IMethodBodyOperation methodBody => ControlFlowGraph.Create(methodBody, cancellation),
                    IBlockOperation block when block.Parent is null => ControlFlowGraph.Create(block, cancellation),
                    _ => null,
                };
                if (cfg is null)
                    return Array.Empty<Finding>();
                var findings = new List<Finding>();
                AnalyzeGraph(model, cfg, symbol, hasLambdas, findings, cancellation);
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

        [MethodImpl(JitOptions.Optimized)]
        private static void AnalyzeGraph(ContractModel model, ControlFlowGraph cfg, IMethodSymbol? method, bool hasLambdas, List<Finding> findings, CancellationToken cancellation)
        {
            if (method is null || !model.GetContract(method).NoLockAnalysis)
                findings.AddRange(new LockFlowAnalysis(model, cfg, method, cancellation).Run());

            foreach (var local in cfg.LocalFunctions)
                AnalyzeGraph(model, cfg.GetLocalFunctionControlFlowGraph(local, cancellation), local, hasLambdas, findings, cancellation);
            // Looking for lambdas walks every operation of the graph again: only bodies that have one pay for it.
            if (!hasLambdas)
                return;
            foreach (var block in cfg.Blocks)
            {
                foreach (var op in block.Operations.Concat(block.BranchValue is null ? Enumerable.Empty<IOperation>() : new[] { block.BranchValue }))
                {
                    foreach (var lambda in op.DescendantsAndSelf().OfType<IFlowAnonymousFunctionOperation>())
                        AnalyzeGraph(model, cfg.GetAnonymousFunctionControlFlowGraph(lambda, cancellation), lambda.Symbol, hasLambdas, findings, cancellation);
                }
            }
        }

        /// <summary>
        /// The cheap pre-filter: a body that calls nothing annotated and touches nothing guarded costs no CFG. One walk
        /// also tells whether the body (local functions included) creates lambdas, whose graphs are analysed too.
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        private static bool NeedsAnalysis(ContractModel model, IOperation body, out bool hasLambdas)
        {
            bool needs = false;
            hasLambdas = false;
            var pending = new Stack<IOperation>();
            pending.Push(body);
            while (pending.Count > 0 && !(needs && hasLambdas))
            {
                var op = pending.Pop();
                if (op.Kind == OperationKind.AnonymousFunction)
                    hasLambdas = true;
                needs = needs || AffectsAnalysis(model, op);
                foreach (var child in op.ChildOperations)
                    pending.Push(child);
            }
            return needs;
        }

        [MethodImpl(JitOptions.Optimized)]
        private static bool AffectsAnalysis(ContractModel model, IOperation op) => op.Kind switch
        {
            // By Kind: this runs on every operation of every body the syntax pre-filter passes.
            // Not only lock effects: a [Fallible] result used unchecked (PTL0004) is a finding on its own.
            OperationKind.Invocation => model.GetContract(((IInvocationOperation)op).TargetMethod) is { AffectsLocks: true } or { Fallible: true } or { ValidWhileHeld.IsEmpty: false },
            OperationKind.FieldReference => !model.GetGuard(((IFieldReferenceOperation)op).Field).IsEmpty,
            OperationKind.PropertyReference => !model.GetGuard(((IPropertyReferenceOperation)op).Property).IsEmpty,
            OperationKind.LocalFunction => !model.GetContract(((ILocalFunctionOperation)op).Symbol).IsEmpty,
            OperationKind.AnonymousFunction => !model.GetContract(((IAnonymousFunctionOperation)op).Symbol).IsEmpty,
            _ => false,
        };
    }
}
