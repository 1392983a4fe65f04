using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PtLock.Analyzers.Engine
{
    /// <summary>
    /// Forward held-lock dataflow over one body's ControlFlowGraph. A first pass computes the state at the
    /// entry of every block to a fixpoint; a second pass replays each block once from those states and
    /// reports. Finally regions are replayed for each edge that runs them (so a state is never merged
    /// with an unrelated path's); catch handlers start from the state at the start of their try.
    /// </summary>
    internal sealed partial class LockFlowAnalysis
    {
        private const int MaxBlockVisits = 20_000;

        private readonly ContractModel _model;
        private readonly ControlFlowGraph _cfg;
        private readonly IMethodSymbol? _method;
        private readonly MethodContract _ownContract;
        private readonly CancellationToken _cancellation;
        private readonly LockState?[] _in;
        private readonly Dictionary<int, int> _catchEntryToTryEntry = new Dictionary<int, int>();
        private bool _hasFinally;
        private readonly Dictionary<IInvocationOperation, string> _callSiteIds = new Dictionary<IInvocationOperation, string>();
        private readonly Dictionary<long, string> _texts = new Dictionary<long, string>();
        private readonly Dictionary<long, string> _freshIds = new Dictionary<long, string>();
        private readonly Dictionary<ISymbol, string> _initialValues = new Dictionary<ISymbol, string>(SymbolEqualityComparer.Default);
        private readonly List<(int Dest, LockState State)> _successors = new List<(int Dest, LockState State)>(2);
        private List<Finding>? _findings;
        private HashSet<string>? _reported;

        public LockFlowAnalysis(ContractModel model, ControlFlowGraph cfg, IMethodSymbol? method, CancellationToken cancellation)
        {
            _model = model;
            _cfg = cfg;
            _method = method;
            _ownContract = method is null ? MethodContract.Empty : model.GetContract(method);
            _cancellation = cancellation;
            _in = new LockState?[cfg.Blocks.Length];
            IndexCatchRegions(cfg.Root);
        }

        private bool Reporting => _findings is not null;

        private HashSet<string>? _ownTryKeys;

        /// <summary>The locks this method's own [TryAcquires] names (its body holds them conditionally by design).</summary>
        private HashSet<string> OwnTryKeys
        {
            get
            {
                if (_ownTryKeys is null)
                {
                    _ownTryKeys = new HashSet<string>();
                    if (_method is not null)
                        foreach (var t in _ownContract.TryAcquires)
                            foreach (var e in t.Locks)
                                if (ResolveInOwnScope(e, LockState.Empty) is { } k)
                                    _ownTryKeys.Add(k.Id);
                }
                return _ownTryKeys;
            }
        }

        /// <summary>Run the analysis and return what it found.</summary>
        [MethodImpl(JitOptions.Optimized)]
        public IReadOnlyList<Finding> Run()
        {
            _in[0] = InitialState();
            if (IsForwardOnly())
                return RunSinglePass();
            var work = new SortedSet<int> { 0 };
            int visits = 0;
            while (work.Count > 0)
            {
                _cancellation.ThrowIfCancellationRequested();
                if (++visits > MaxBlockVisits)
                    return System.Array.Empty<Finding>(); // give up quietly rather than burn the IDE
                int ordinal = work.Min;
                work.Remove(ordinal);
                foreach (var (dest, state) in Successors(ordinal))
                {
                    var merged = _in[dest] is { } existing ? Join(existing, state, dest).State : state;
                    if (_in[dest] is null || !merged.SameAs(_in[dest]!))
                    {
                        _in[dest] = merged;
                        work.Add(dest);
                    }
                }
            }

            // One replay pass: transfers report their findings, and the states arriving at each block are
            // collected so that joins can be checked for locks held on one incoming path only.
            _findings = new List<Finding>();
            _reported = new HashSet<string>();
            var incoming = new Dictionary<int, List<LockState>>();
            for (int i = 0; i < _cfg.Blocks.Length; i++)
            {
                if (_in[i] is null)
                    continue;
                foreach (var (dest, state) in Successors(i))
                {
                    if (!incoming.TryGetValue(dest, out var list))
                        incoming[dest] = list = new List<LockState>();
                    list.Add(state);
                }
            }
            foreach (var kv in incoming)
            {
                if (kv.Value.Count < 2)
                    continue;
                var joined = kv.Value[0];
                for (int i = 1; i < kv.Value.Count; i++)
                {
                    var (next, mismatches) = Join(joined, kv.Value[i], kv.Key);
                    foreach (var m in mismatches)
                        ReportMismatch(m, kv.Key);
                    joined = next;
                }
            }
            return _findings;
        }

        /// <summary>True when every edge goes to a later block: one pass in block order then sees final states.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private bool IsForwardOnly()
        {
            if (_catchEntryToTryEntry.Count > 0)
                return false;
            foreach (var block in _cfg.Blocks)
            {
                if (block.ConditionalSuccessor?.Destination is { } c && c.Ordinal <= block.Ordinal)
                    return false;
                if (block.FallThroughSuccessor?.Destination is { } f && f.Ordinal <= block.Ordinal)
                    return false;
            }
            return true;
        }

        /// <summary>Acyclic bodies (most of them): every block's incoming states are complete when it is reached.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private IReadOnlyList<Finding> RunSinglePass()
        {
            _findings = new List<Finding>();
            _reported = new HashSet<string>();
            // Most blocks have one predecessor: its state is kept in _in directly, and a list is made only for
            // the second state arriving at a join.
            List<LockState>?[]? more = null;
            for (int i = 0; i < _cfg.Blocks.Length; i++)
            {
                _cancellation.ThrowIfCancellationRequested();
                if (i > 0)
                {
                    var state = _in[i];
                    if (state is null)
                        continue;
                    if (more?[i] is { } arriving)
                    {
                        foreach (var other in arriving)
                        {
                            var (next, mismatches) = Join(state, other, i);
                            foreach (var m in mismatches)
                                ReportMismatch(m, i);
                            state = next;
                        }
                        _in[i] = state;
                    }
                }
                foreach (var (dest, state) in Successors(i))
                {
                    if (_in[dest] is null)
                        _in[dest] = state;
                    else
                        ((more ??= new List<LockState>?[_cfg.Blocks.Length])[dest] ??= new List<LockState>()).Add(state);
                }
            }
            return _findings;
        }

        [MethodImpl(JitOptions.Optimized)]
        private LockState InitialState()
        {
            var state = LockState.Empty;
            if (_method is null)
                return state;
            var location = _method.Locations.FirstOrDefault() ?? Location.None;
            foreach (var (expr, shared) in _ownContract.Requires.Select(e => (e, false))
                         .Concat(_ownContract.RequiresShared.Select(e => (e, true)))
                         .Concat(_ownContract.Releases.Select(e => (e, false)))
                         .Concat(_ownContract.ReleasesShared.Select(e => (e, true))))
            {
                var key = ResolveInOwnScope(expr, state);
                if (key is not null && !state.Held.ContainsKey(key.Id))
                    state = state.WithHeld(state.Held.SetItem(key.Id, new HeldLock(key, shared, 1, location, maybe: false, unlessEqual: null, fromContract: true, acquiredBy: null)));
            }
            return state;
        }

        /// <summary>
        /// The states flowing out of block <paramref name="ordinal"/>, per destination block. The list is reused
        /// by the next call: callers consume it before asking again.
        /// </summary>
        [MethodImpl(JitOptions.Optimized)]
        private List<(int Dest, LockState State)> Successors(int ordinal)
        {
            var edges = _successors;
            edges.Clear();
            var block = _cfg.Blocks[ordinal];
            var state = _in[ordinal]!;
            if (block.Kind == BasicBlockKind.Exit)
                return edges;
            foreach (var op in block.Operations)
                state = Transfer(op, state);
            if (block.BranchValue is { } branch)
                state = Transfer(branch, state);

            if (_catchEntryToTryEntry.Count > 0)
            {
                foreach (var kv in _catchEntryToTryEntry)
                    if (kv.Value == ordinal)
                        edges.Add((kv.Key, _in[ordinal]!));
            }

            if (block.ConditionalSuccessor is { } conditional && block.BranchValue is { } condition)
            {
                bool whenTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
                var taken = Refine(state, condition, whenTrue);
                if (taken is not null)
                    FollowBranch(conditional, taken, block, edges);
                if (block.FallThroughSuccessor is { } fall)
                {
                    var notTaken = Refine(state, condition, !whenTrue);
                    if (notTaken is not null)
                        FollowBranch(fall, notTaken, block, edges);
                }
                return edges;
            }
            if (block.FallThroughSuccessor is { } next)
                FollowBranch(next, state, block, edges);
            return edges;
        }

        [MethodImpl(JitOptions.Optimized)]
        private void FollowBranch(ControlFlowBranch branch, LockState state, BasicBlock from, List<(int, LockState)> edges)
        {
            // Computing FinallyRegions walks the region tree and allocates: most bodies have no finally to look for.
            foreach (var finallyRegion in _hasFinally ? branch.FinallyRegions : ImmutableArray<ControlFlowRegion>.Empty)
            {
                var after = RunFinally(finallyRegion, state);
                if (after is null)
                    return;
                state = after;
            }
            var dest = branch.Destination;
            if (dest is null)
                return; // throw, rethrow or the end of a finally: no normal successor
            if (dest.Kind == BasicBlockKind.Exit)
            {
                if (Reporting)
                    CheckExit(state, from, branch);
                return;
            }
            edges.Add((dest.Ordinal, state));
        }

        /// <summary>Run a finally region from <paramref name="input"/>; null when it never completes normally.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private LockState? RunFinally(ControlFlowRegion region, LockState input)
        {
            var states = new Dictionary<int, LockState> { [region.FirstBlockOrdinal] = input };
            var work = new SortedSet<int> { region.FirstBlockOrdinal };
            LockState? output = null;
            int visits = 0;
            while (work.Count > 0 && ++visits < 2_000)
            {
                int ordinal = work.Min;
                work.Remove(ordinal);
                var block = _cfg.Blocks[ordinal];
                var state = states[ordinal];
                foreach (var op in block.Operations)
                    state = Transfer(op, state);
                if (block.BranchValue is { } branchValue)
                    state = Transfer(branchValue, state);

                var edges = new List<(ControlFlowBranch Branch, LockState State)>();
                if (block.ConditionalSuccessor is { } c && block.BranchValue is { } condition)
                {
                    bool whenTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
                    if (Refine(state, condition, whenTrue) is { } t) edges.Add((c, t));
                    if (block.FallThroughSuccessor is { } f && Refine(state, condition, !whenTrue) is { } e) edges.Add((f, e));
                }
                else if (block.FallThroughSuccessor is { } f)
                {
                    edges.Add((f, state));
                }

                foreach (var (branch, edgeState) in edges)
                {
                    var s = edgeState;
                    foreach (var nested in branch.FinallyRegions)
                    {
                        s = RunFinally(nested, s)!;
                        if (s is null) break;
                    }
                    if (s is null)
                        continue;
                    if (branch.Semantics == ControlFlowBranchSemantics.StructuredExceptionHandling || branch.Destination is null
                        || branch.Destination.Ordinal < region.FirstBlockOrdinal || branch.Destination.Ordinal > region.LastBlockOrdinal)
                    {
                        if (branch.Semantics == ControlFlowBranchSemantics.StructuredExceptionHandling)
                            output = output is null ? s : Join(output, s, region.LastBlockOrdinal).State;
                        continue;
                    }
                    int dest = branch.Destination.Ordinal;
                    var merged = states.TryGetValue(dest, out var existing) ? Join(existing, s, dest).State : s;
                    if (!states.ContainsKey(dest) || !merged.SameAs(existing!))
                    {
                        states[dest] = merged;
                        work.Add(dest);
                    }
                }
            }
            return output;
        }

        [MethodImpl(JitOptions.Optimized)]
        private void IndexCatchRegions(ControlFlowRegion region)
        {
            if (region.Kind == ControlFlowRegionKind.TryAndFinally)
                _hasFinally = true;
            if (region.Kind == ControlFlowRegionKind.TryAndCatch)
            {
                var tryRegion = region.NestedRegions.FirstOrDefault(r => r.Kind == ControlFlowRegionKind.Try);
                if (tryRegion is not null)
                {
                    foreach (var handler in region.NestedRegions)
                    {
                        if (handler.Kind is ControlFlowRegionKind.Catch or ControlFlowRegionKind.FilterAndHandler or ControlFlowRegionKind.Filter)
                            _catchEntryToTryEntry[handler.FirstBlockOrdinal] = tryRegion.FirstBlockOrdinal;
                    }
                }
            }
            foreach (var nested in region.NestedRegions)
                IndexCatchRegions(nested);
        }
    }
}
