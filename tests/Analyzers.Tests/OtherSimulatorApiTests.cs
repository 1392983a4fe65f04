using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests;

/// <summary>Contracts on another simulator's own API, without the PtLock runtime.</summary>
public class OtherSimulatorApiTests
{
    [Fact] // a body whose only annotated call is [Fallible] is analysed too (it used to be skipped as lock-neutral)
    public Task FallibleResultUsedUnchecked() => AllRulesVerifier.VerifyAsync("""
        using PtLock.Contracts;
        public sealed class Slot { public int Value; }
        public sealed class Table
        {
            [Fallible] public Slot? Find(int index) => index < 0 ? null : new Slot();
            public static int Read(Slot? slot) => slot?.Value ?? 0;
        }
        public static class Walker
        {
            public static int Peek(Table t)
            {
                var slot = t.Find(1);
                return Table.Read({|PTL0004:slot|});
            }

            public static int PeekChecked(Table t)
            {
                var slot = t.Find(1);
                return slot == null ? 0 : Table.Read(slot);
            }
        }
        """, withRuntime: false);
}
