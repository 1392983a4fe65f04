using Microsoft.CodeAnalysis;

namespace PtLock.Analyzers.Tests;

/// <summary>
/// Messages name lock expressions as they are written in the source. The verifier tests check where a rule fires, not
/// its text: these pin the text, so that a change in how the engine renders an expression shows.
/// </summary>
public class DiagnosticMessageTests
{
    [Fact]
    public async Task AnArgumentIsShownAsWrittenWithItsInnerCommentsAndLineBreaks()
    {
        var code = Prelude.Mutex + """
            class Holder { public Mutex mu = new Mutex(); }
            class C
            {
                [Requires("m")] static void Use(Mutex m) { }
                void M(Holder holder)
                {
                    Use(holder
                        /* the gate */ .mu);
                }
            }
            """;
        var message = await SingleMessageAsync(code, "PTL1001", withRuntime: false);
        Assert.Equal("Calling 'Use' requires holding 'holder\n            /* the gate */ .mu' exclusively", message.Replace("\r\n", "\n"));
    }

    [Fact]
    public async Task AReturnedLockIsShownByTheLocalItWasStoredIn()
    {
        var code = """
            using PtLock;
            using static PtLock.Pgtable;
            using static PtLock.LinuxMm;
            using static PtLock.Spinlock;

            static class Ops
            {
                public static void Retract(Mm mm, Pmd pmd)
                {
                    var pml = PmdLock(mm, pmd);
                    if (!PmdpGet(pmd).IsTable)
                    {
                        SpinUnlock(pml);
                        return;
                    }
                    var ptl = PteLockptr(mm, pmd);
                    if (ptl != pml)
                        SpinLockNested(ptl, SingleDepthNesting);
                    PmdClear(pmd);
                    if (ptl != pml)
                        SpinUnlock(ptl);
                    SpinUnlock(pml);
                }
            }
            """;
        var message = await SingleMessageAsync(code, "PTL0002", withRuntime: true);
        Assert.Equal("'PteLockptr' reads the PMD to find its table's lock, but the entry was not rechecked since 'pml' was taken at line 10: "
            + "recheck the PMD under its lock first, or use the lock PteOffsetMapRwNolock delivers (with the PmdSame recheck)", message);
    }

    private static async Task<string> SingleMessageAsync(string code, string ruleId, bool withRuntime)
    {
        var (analyzer, compiler) = await InProcessAnalysis.RunAsync(new[] { ("messages.cs", code) }, withRuntime);
        Assert.Empty(compiler);
        return Assert.Single(analyzer, d => d.Id == ruleId).GetMessage(System.Globalization.CultureInfo.InvariantCulture);
    }
}
