using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PtLock.Analyzers.Engine;

namespace PtLock.Analyzers.Tests;

/// <summary>The flow states' map: immutable, insertion-ordered, hashed once it grows.</summary>
public class SmallMapTests
{
    [Fact]
    public void UpdatesLeaveTheOriginalUntouched()
    {
        var empty = SmallMap<string, int>.Empty;
        var one = empty.SetItem("a", 1);
        var two = one.SetItem("b", 2);
        var changed = two.SetItem("a", 10);
        var removed = changed.Remove("a");

        Assert.True(empty.IsEmpty);
        Assert.Equal(1, one.Count);
        Assert.True(two.TryGetValue("a", out int a) && a == 1);
        Assert.True(changed.TryGetValue("a", out int a2) && a2 == 10);
        Assert.False(removed.ContainsKey("a"));
        Assert.Equal(new[] { "b" }, removed.Keys);
        Assert.Equal(new[] { "a", "b" }, two.Keys); // insertion order: the analysis stays deterministic
        Assert.False(removed.TryGetValue("a", out int missing));
        Assert.Equal(0, missing);
    }

    [Fact]
    public void NoOpUpdatesReturnTheSameInstance()
    {
        var map = SmallMap<string, string>.Empty.SetItem("k", "v");
        Assert.Same(map, map.SetItem("k", "v"));
        Assert.Same(map, map.Remove("absent"));
        Assert.NotSame(map, map.SetItem("k", "w"));
    }

    [Fact]
    public void LargeMapsAreIndexedAndStillCorrect()
    {
        var map = SmallMap<string, int>.Empty;
        for (int i = 0; i < 200; i++)
            map = map.SetItem("key" + i, i);
        Assert.Equal(200, map.Count);
        for (int i = 0; i < 200; i++)
            Assert.True(map.TryGetValue("key" + i, out int v) && v == i);
        var smaller = map.Remove("key100").SetItem("key5", -5);
        Assert.False(smaller.ContainsKey("key100"));
        Assert.True(smaller.TryGetValue("key5", out int five) && five == -5);
        Assert.True(map.TryGetValue("key100", out int hundred) && hundred == 100); // the old map, index and all, is unchanged
        Assert.Equal(199, smaller.Count);
        Assert.Equal(map.Keys.Where(k => k != "key100"), smaller.Keys);
    }

    [Fact]
    public void KeysUseTheGivenComparer()
    {
        var tree = CSharpSyntaxTree.ParseText("class C { int f; }");
        var compilation = CSharpCompilation.Create("c", new[] { tree });
        var field = compilation.GetTypeByMetadataName("C")!.GetMembers("f").Single();
        var sameFieldAgain = compilation.GetTypeByMetadataName("C")!.GetMembers("f").Single();
        var map = SmallMap<ISymbol, string>.Create(SymbolEqualityComparer.Default).SetItem(field, "x");
        Assert.True(map.TryGetValue(sameFieldAgain, out var x) && x == "x");
    }

    [Fact]
    public void BuilderFreezesWhatWasAdded()
    {
        var builder = SmallMap<string, int>.Empty.SetItem("a", 1).ToBuilder();
        builder["b"] = 2;
        builder["a"] = 3;
        var map = builder.ToImmutable();
        Assert.True(builder.ContainsKey("b"));
        Assert.Equal(new[] { "a", "b" }, map.Keys);
        Assert.Equal(new[] { 3, 2 }, map.Values);
    }
}
