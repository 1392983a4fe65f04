namespace PtLock.Runtime.Tests;

public class EntryEncodingTests
{
    [Fact]
    public void X86BitPositionsAreTheKernels()
    {
        Assert.Equal(1UL << 10, EntryBits.UffdWp);
        Assert.Equal(1UL << 11, EntryBits.SoftDirty);
        Assert.Equal(1UL << 7, EntryBits.Pse);
        Assert.Equal(1UL << 2, EntryBits.SwpUffdWp);
        Assert.Equal(1UL << 1, EntryBits.SwpSoftDirty);
        Assert.Equal(0x67UL, EntryBits.PageTable);
    }

    [Fact]
    public void NoneIgnoresHardwareAccessedAndDirty()
    {
        Assert.True(PteNone(new PteVal(EntryBits.Accessed | EntryBits.Dirty)));
        Assert.False(PteNone(new PteVal(EntryBits.Present)));
        Assert.True(PmdNone(new PmdVal(EntryBits.Accessed)));
    }

    [Theory]
    [InlineData(0, 0UL)]
    [InlineData(3, 0x12345UL)]
    [InlineData(SwapEntry.MaxSwapfiles - 1, SwapEntry.MaxOffset)]
    public void SwapEntriesRoundTripAndAreNeitherNoneNorPresent(int type, ulong offset)
    {
        var pte = SwpEntryToPte(SwapEntry.Create(type, offset));
        Assert.False(pte.IsNone);
        Assert.False(pte.IsPresent);
        Assert.True(IsSwapPte(pte));
        var back = PteToSwpEntry(pte);
        Assert.Equal(type, back.Type);
        Assert.Equal(offset, back.Offset);
    }

    [Fact]
    public void SwapUffdWpBitSurvivesDecodingAndIsNotPartOfTheEntry()
    {
        var pte = PteSwpMkuffdWp(SwpEntryToPte(SwapEntry.Create(2, 77)));
        Assert.True(PteSwpUffdWp(pte));
        Assert.False(PteUffdWp(pte));
        Assert.Equal(SwapEntry.Create(2, 77), PteToSwpEntry(pte));
    }

    [Fact]
    public void SpecialSwapTypesFollowIncludeLinuxSwapH()
    {
        Assert.Equal(24, SwapEntry.MaxSwapfiles);
        Assert.Equal(31, SwapEntry.PteMarker);
        Assert.True(SwapEntry.Migration(5, write: true).IsWritableMigration);
    }

    [Fact]
    public void UffdWpMarkerIsNotNoneButIsNoneMostly()
    {
        var marker = MakePteMarker(PteMarker.UffdWp);
        Assert.False(PteNone(marker));
        Assert.True(PteNoneMostly(marker));
        Assert.True(PteMarkerUffdWp(marker));
        Assert.False(PtePresent(marker));
        Assert.False(PteMarkerUffdWp(MakePteMarker(PteMarker.Guard)));
    }

    [Fact]
    public void PmdClassification()
    {
        var table = PmdVal.Table(42);
        Assert.True(table.IsTable);
        Assert.False(PmdBad(table));
        Assert.False(PmdTransHuge(table));
        Assert.Equal(42UL, PmdPfn(table));

        var huge = PmdVal.Huge(512, PgProt.ReadWrite);
        Assert.True(PmdTransHuge(huge));
        Assert.True(PmdPresent(huge));
        Assert.False(huge.IsTable);

        var migration = new PmdVal(PteVal.FromSwapEntry(SwapEntry.Migration(512, write: false)).Raw);
        Assert.True(IsPmdMigrationEntry(migration));
        Assert.False(PmdPresent(migration));

        Assert.True(PmdBad(new PmdVal(EntryBits.Present | (7UL << 12))));
    }

    [Fact]
    public void PresentPteAccessorsAndModifiers()
    {
        var pte = PfnPte(0x1234, PgProt.ReadOnly);
        Assert.True(PtePresent(pte));
        Assert.False(PteWrite(pte));
        Assert.Equal(0x1234UL, PtePfn(pte));
        var w = PteMkdirty(PteMkwrite(pte));
        Assert.True(PteWrite(w) && PteDirty(w));
        var wp = PteMkuffdWp(w);
        Assert.True(PteUffdWp(wp));
        Assert.False(PteWrite(wp));
        Assert.Throws<ArgumentOutOfRangeException>(() => PfnPte(1UL << 41, PgProt.ReadOnly));
        Assert.Throws<ArgumentOutOfRangeException>(() => SwapEntry.Create(32, 0));
        Assert.Throws<InvalidOperationException>(() => PteToSwpEntry(pte));
    }
}
