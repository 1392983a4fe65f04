namespace PtLock.Analyzers.Tests;

/// <summary>
/// A file for the engine's cache tests: one body that uses a PteOffsetMap result without testing it for null (one
/// PTL0004 finding), and one plain body that the syntax pre-filter rejects.
/// </summary>
internal static class WalkerSample
{
    public const string Source = """
        using PtLock;
        using static PtLock.Pgtable;
        using static PtLock.PgtableGeneric;

        public static class Walker
        {
            public static bool Present(Pmd pmd, ulong addr)
            {
                var pte = PteOffsetMap(pmd, addr);
                bool present = PtePresent(PtepGet(pte));
                PteUnmap(pte);
                return present;
            }

            public static int Plain(int x) => x + 1;
        }
        """;
}
