using McpFoundation.Audit;

namespace McpFoundation.Tests.Audit;

/// <summary>
/// The journal on its own (a real memory-mapped file in a temporary data directory): what is published comes back
/// whole from a journal whose owner is gone, freed records do not, a running gateway's journal is never taken, and a
/// full ring refuses instead of overwriting a record the store does not have.
/// </summary>
[Trait("Category", "Unit")]
[Trait("Category", "Security")]
public sealed class AuditJournalTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("mcpf-journal-unit-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public void ReadGone_AfterTheOwnerIsGone_ReturnsEveryPublishedRecordWhole_AndNoFreedOne()
    {
        AuditJournal journal = AuditJournal.Create(_dataDirectory, AuditJournal.MinimumBytes);
        AuditRecord small = Started(1);
        AuditRecord large = Started(2) with { Arguments = string.Concat(Enumerable.Repeat("Zürich 東京 🔐 ", 300)) }; // many slots
        AuditRecord freed = Started(3);
        long smallSlot = journal.TryWrite(small);
        Assert.True(journal.TryWrite(large) > smallSlot);
        journal.Free(journal.TryWrite(freed));
        Assert.Equal(2, journal.CountPending());

        Assert.Empty(AuditJournal.ReadGone(_dataDirectory).Records); // locked: its gateway runs
        journal.Close(delete: false);

        AuditJournal.GoneJournals gone = AuditJournal.ReadGone(_dataDirectory);
        Assert.Equal([small, large], gone.Records);
        Assert.Equal([journal.Path], gone.Files);
    }

    [Fact]
    public void TryWrite_RingFullOfUncommittedRecords_RefusesRatherThanOverwrite_AndReusesFreedSlots()
    {
        using AuditJournal journal = AuditJournal.Create(_dataDirectory, AuditJournal.MinimumBytes); // 256 slots
        var slots = new List<long>();
        for (int n = 0; n < 1000; n++)
        {
            long slot = journal.TryWrite(Started(n));
            if (slot < 0)
            {
                break;
            }

            slots.Add(slot);
        }

        long perRecord = slots[1] - slots[0];
        Assert.Equal(256 / perRecord, slots.Count); // 256 slots of 256 bytes, every one in use
        Assert.Equal(-1, journal.TryWrite(Started(1000)));
        Assert.Equal(-1, journal.TryWrite(Started(1001))); // refusing does not move the cursor past the oldest record
        journal.Free(slots[0]);
        Assert.Equal(256, journal.TryWrite(Started(1002))); // the next lap's first slot, where the freed record was
        Assert.Equal(-1, journal.TryWrite(Started(1003)));
        Assert.Equal(slots.Count, journal.CountPending());
    }

    [Fact]
    public void TryWrite_RecordLargerThanAQuarterOfTheJournal_IsRefused()
    {
        using AuditJournal journal = AuditJournal.Create(_dataDirectory, AuditJournal.MinimumBytes);
        Assert.Equal(-1, journal.TryWrite(Started(1) with { Arguments = new string('x', AuditJournal.MinimumBytes / 4) }));
        Assert.Equal(0, journal.CountPending());
    }

    [Fact]
    public void Close_WithDelete_RemovesTheFile()
    {
        AuditJournal journal = AuditJournal.Create(_dataDirectory, AuditJournal.MinimumBytes);
        Assert.True(File.Exists(journal.Path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(journal.Path)); // records hold arguments
        }

        journal.Close(delete: true);
        Assert.False(File.Exists(journal.Path));
    }

    private static AuditRecord Started(int n) => new()
    {
        Kind = AuditRecordKind.OperationStarted,
        Time = DateTimeOffset.FromUnixTimeMilliseconds(1_796_000_000_000 + n),
        CorrelationId = $"0123456789abcdef-{n:x16}",
        UserId = "alice",
        ServerId = "fixture",
        Method = "tools/call",
        Target = "fixture__echo",
        Arguments = $$"""{"message":"call {{n}}"}""",
        ArgumentsSha256 = new string('a', 64),
        Decision = "allow",
        Outcome = AuditRecord.Outcomes.Started,
    };
}
