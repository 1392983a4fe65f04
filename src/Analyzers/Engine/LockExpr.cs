using System.Collections.Immutable;
using System.Linq;

namespace PtLock.Analyzers.Engine
{
    /// <summary>
    /// A lock expression as written in a contract attribute: a name ("ptl", "this", "return", "Rcu.Global"),
    /// a member chain on a name ("vmf.Ptl"), or a call of a [ReturnsCapability] method over such
    /// expressions ("PmdLockptr(mm, pmd)").
    /// </summary>
    internal abstract class LockExpr
    {
        public abstract override string ToString();
    }

    /// <summary>A root name followed by member accesses: "ptl", "this", "return", "vmf.Ptl", "Rcu.Global".</summary>
    internal sealed class PathExpr : LockExpr
    {
        public PathExpr(string root, ImmutableArray<string> members)
        {
            Root = root;
            Members = members;
        }

        public string Root { get; }
        public ImmutableArray<string> Members { get; }

        public override string ToString() => Members.IsEmpty ? Root : Root + "." + string.Join(".", Members);
    }

    /// <summary>A call "Name(arg, …)" of a method that returns a capability.</summary>
    internal sealed class CallExpr : LockExpr
    {
        public CallExpr(string name, ImmutableArray<LockExpr> arguments)
        {
            Name = name;
            Arguments = arguments;
        }

        public string Name { get; }
        public ImmutableArray<LockExpr> Arguments { get; }

        public override string ToString() => Name + "(" + string.Join(", ", Arguments.Select(a => a.ToString())) + ")";
    }
}
