using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using PtLock.Analyzers.Engine;

namespace PtLock.Analyzers.Tests;

/// <summary>
/// The pre-filter's text-only first step may only say "no" where the syntax walk would say "no" too: a body it
/// drops is never analysed, so a wrong "no" is a missed diagnostic.
/// </summary>
public class NameTextScanTests
{
    private static readonly NameTextScan Scan = new(new[] { "PmdLock", "Ptl" });

    private static bool MayMention(string body)
    {
        var text = "class C { void M() " + body + " }";
        var tree = CSharpSyntaxTree.ParseText(text);
        var block = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single().Body!;
        return Scan.MayMention(tree.GetText(), block.Span);
    }

    [Theory]
    [InlineData("{ var l = PmdLock(mm, pmd); }")]
    [InlineData("{ x.Ptl.Unlock(); }")]
    [InlineData("{ lock (o) { } }")]
    [InlineData("{ var l = @PmdLock(mm, pmd); }")] // a verbatim identifier names the same member
    [InlineData("{ var l = Pmd\\u004Cock(mm, pmd); }")] // a unicode escape: the syntax walk decides
    [InlineData("{ var l = Pmd\u200DLock(mm, pmd); }")] // a formatting character the compiler drops from the name
    [InlineData("{ [Acquires(\"g\")] void L() { } }")] // an attributed local function carries its own contract
    [InlineData("{ /* PmdLock */ }")] // a name in a comment: "maybe", the syntax walk says no
    [InlineData("{ int x = 1;\n  // a comment\n  [A] void L() { } }")] // an attribute list opening a line
    [InlineData("{\n#if DEBUG\n[A] void L() { }\n#endif\n}")] // after a directive
    [InlineData("{ Func<int> f = [A] () => 1; }")]
    [InlineData("{ F(1, [A] (int x) => x); }")]
    [InlineData("{ return [A] () => 1; }")]
    [InlineData("{ Func<int> g = f ?? [A] () => 1; }")]
    [InlineData("{ Func<int>? g = c ? [A] () => 1 : null; }")]
    [InlineData("{ Func<Func<int>> g = () => [A] () => 1; }")]
    [InlineData("{ var r = from i in q select [A] () => { }; }")] // after a (query) keyword
    [InlineData("{ var r = from i in q select[A] () => { }; }")]
    [InlineData("{ if (b) { } else [A] void L() { } }")] // invalid, but an IDE analyses code as it is typed
    [InlineData("{ if (b) [A] void L() { } }")] // after ')' and a space
    [InlineData("{ /* note */ [A] void L() { } }")]
    [InlineData("{ switch (n) { case 1: [A] void L() { } break; } }")]
    public void SaysMaybe(string body) => Assert.True(MayMention(body));

    [Theory]
    [InlineData("{ }")]
    [InlineData("{ var n = PmdLockCount + PtlX; }")] // longer names that only start like an interesting one
    [InlineData("{ var l = pmdlock(1); }")] // C# names are case-sensitive
    [InlineData("{ int locked = 0; locked++; }")]
    [InlineData("{ var s = \"unrelated\"; return; }")]
    [InlineData("{ var a = new int[3]; a[0] = b[1][2] + d![4] + (e)[5]; int[] f = g; var h = new[] { 1 }; var s = this[0] + base[1]; }")] // indexing and array types
    public void SaysNo(string body) => Assert.False(MayMention(body));

    [Fact]
    public void OnlyTheGivenSpanIsRead()
    {
        var text = SourceText.From("PmdLock { }");
        Assert.False(Scan.MayMention(text, TextSpan.FromBounds(8, 11)));
        Assert.True(Scan.MayMention(text, TextSpan.FromBounds(0, 7)));
    }

    [Fact]
    public void LongBodiesAndRepeatedCallsShareTheBuffer()
    {
        string filler = string.Concat(Enumerable.Repeat("x = y + z; ", 2000));
        Assert.False(MayMention("{ " + filler + " }"));
        Assert.True(MayMention("{ " + filler + " PmdLock(); }"));
        Assert.False(MayMention("{ }"));
    }
}
