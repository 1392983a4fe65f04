using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PtLock.Analyzers.Engine;

namespace PtLock.Analyzers.Tests;

/// <summary>
/// The pre-filter's name index is cached per syntax tree and per referenced assembly, as an IDE keeps both across
/// the compilation it makes at every keystroke: edits must still be seen, in the edited file and only there.
/// </summary>
public class InterestingNameIndexTests
{
    private const string Api = """
        using PtLock.Contracts;
        public sealed class Gate
        {
            [Acquires("this")] public void Close() { }
            [Releases("this")] public void Open() { }
            public void Paint() { }
        }
        public sealed class Counter
        {
            public readonly Gate G = new Gate();
            [GuardedBy("G")] public int Hits, Misses;
            [RequiresShared("G")] public int Peek => Hits;
            public void Take([ValidWhileHeld("G")] int ticket) { }
        }
        """;

    private static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create("Index", sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, path: "File" + i + ".cs")),
            InProcessAnalysis.References(withRuntime: true));

    [Fact]
    public void NamesComeFromSourceDeclarationsAndReferencedAnnotatedAssemblies()
    {
        var names = InterestingNameIndex.Build(Compile(Api, "class User { }"));
        Assert.Contains("Close", names);
        Assert.Contains("Open", names);
        Assert.Contains("Hits", names);
        Assert.Contains("Misses", names);
        Assert.Contains("Peek", names);
        Assert.Contains("Take", names);            // an annotated parameter makes its method interesting
        Assert.DoesNotContain("Paint", names);
        Assert.Contains("PteOffsetMapLock", names); // from the runtime, built against PtLock.Contracts
        Assert.Contains("Enter", names);            // the framework's lock methods
    }

    [Fact]
    public void AnEditIsSeenInTheEditedFileOnly()
    {
        var before = Compile(Api, "class User { }");
        Assert.Contains("Close", InterestingNameIndex.Build(before));

        // Another file changes: the API file's tree is reused, and so are its names.
        var userTree = before.SyntaxTrees.Last();
        var afterUserEdit = before.ReplaceSyntaxTree(userTree, userTree.WithChangedText(userTree.GetText().Replace(0, 0, "// edited\n")));
        Assert.Contains("Close", InterestingNameIndex.Build(afterUserEdit));

        // The API file loses an annotation: its new tree is read again.
        var apiTree = afterUserEdit.SyntaxTrees.First();
        string edited = Api.Replace("[Acquires(\"this\")] public void Close()", "public void Close()");
        var afterApiEdit = afterUserEdit.ReplaceSyntaxTree(apiTree, apiTree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(edited)));
        var names = InterestingNameIndex.Build(afterApiEdit);
        Assert.DoesNotContain("Close", names);
        Assert.Contains("Open", names);
    }
}
