using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace McpFoundation.Audit;

/// <summary>
/// Makes a call's started record durable before the call is forwarded without waiting for a database commit: the
/// record is copied into a memory-mapped file in the data directory (<c>audit-journal/*.journal</c>), which is a
/// memory store on the call's thread (no system call, no wait) and survives the gateway being killed, because the
/// mapped pages belong to the kernel's page cache, not to the process. The trail's writer then commits the record
/// to the store with the next batch and marks its slots free for reuse. A gateway started on the same data
/// directory after a crash (and <c>mcpf audit export</c> before that) reads the journals whose gateway is gone and
/// takes the records that never reached the store (<see cref="ReadGone"/>). The guarantee is the one SQLite gives in
/// WAL mode with <c>synchronous = NORMAL</c>: nothing is lost when the gateway dies; a power loss may lose the last
/// moments (docs/audit.md).
/// </summary>
/// <remarks>
/// The file is a ring of <see cref="SlotBytes"/>-byte slots. A record takes one or more consecutive slots; each slot
/// starts with its logical number (a count that only grows, so a slot left from an earlier lap is told apart), its
/// state and, in the first slot, the length of the record's JSON. A caller takes the next free slots with a
/// compare-exchange of the cursor (<see cref="Reserve"/>), copies the JSON, and publishes the record last by storing
/// the first slot's state; the trail's writer frees the slots after the commit. Slots still holding a record the store does not have yet are never overwritten: when the ring is
/// full, the call waits for its group commit instead (<see cref="AuditTrail.AppendDurableAsync"/>). Each running
/// gateway holds an exclusive lock on its own journal, so a journal that can be locked belongs to a gateway that is
/// gone.
/// </remarks>
internal sealed unsafe class AuditJournal : IDisposable
{
    /// <summary>The journals' folder in the data directory.</summary>
    public const string DirectoryName = "audit-journal";

    /// <summary>The bytes of one slot.</summary>
    public const int SlotBytes = 256;

    /// <summary>The default size of a journal (the <c>audit.journal_bytes</c> setting).</summary>
    public const int DefaultBytes = 8 * 1024 * 1024;

    /// <summary>The smallest journal (<c>audit.journal_bytes</c>, unless 0).</summary>
    public const int MinimumBytes = 64 * 1024;

    private const string Extension = ".journal";
    private const int HeaderBytes = 16; // logical number (8), state (4), JSON length in a first slot (4)
    private const int PayloadPerSlot = SlotBytes - HeaderBytes;
    private const int StateFree = 0; // never written, or freed after the commit
    private const int StatePublished = 1; // the first slot of a record the store may not have yet
    private const int StatePending = 2; // a further slot of such a record

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic]
    private static Utf8JsonWriter? t_json;

    private readonly FileStream _file;
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly long _slots;
    private readonly int _maxRecordBytes;
    private long _next; // the next logical slot to reserve
    private int _disposed;
    private int _writing; // calls inside TryWrite

    private AuditJournal(string path, FileStream file, long bytes)
    {
        Path = path;
        _file = file;
        _slots = bytes / SlotBytes;
        _maxRecordBytes = (int)Math.Min(int.MaxValue, _slots / 4 * PayloadPerSlot);
        _map = MemoryMappedFile.CreateFromFile(file, mapName: null, _slots * SlotBytes, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
        _view = _map.CreateViewAccessor(0, _slots * SlotBytes, MemoryMappedFileAccess.ReadWrite);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
    }

    /// <summary>Gets the journal's file.</summary>
    public string Path { get; }

    /// <summary>
    /// Creates this gateway's journal of <paramref name="bytes"/> in <paramref name="dataDirectory"/> and locks it for
    /// as long as the gateway runs.
    /// </summary>
    public static AuditJournal Create(string dataDirectory, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, MinimumBytes);
        string directory = System.IO.Path.Combine(dataDirectory, DirectoryName);
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        string path = System.IO.Path.Combine(directory, $"{Pipeline.CorrelationIds.InstancePrefix.TrimEnd('-')}-{Guid.NewGuid():N}{Extension}");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None, // an exclusive lock (flock): the journal of a running gateway cannot be taken
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var file = new FileStream(path, options);
        try
        {
            file.SetLength(bytes / SlotBytes * SlotBytes); // sparse: pages are given when first written
            return new AuditJournal(path, file, bytes);
        }
        catch
        {
            file.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="record"/> into the journal; returns the first slot to give <see cref="Free"/> after the
    /// commit, or -1 when it does not fit (the ring is full of records the store does not have yet, or the record is
    /// larger than a quarter of the journal). Never waits.
    /// </summary>
    public long TryWrite(AuditRecord record)
    {
        // Counted in, so that Close never unmaps the file under a write that passed the check below.
        Interlocked.Increment(ref _writing);
        try
        {
            return Volatile.Read(ref _disposed) != 0 ? -1 : Write(record);
        }
        finally
        {
            Interlocked.Decrement(ref _writing);
        }
    }

    private long Write(AuditRecord record)
    {
        ArrayBufferWriter<byte> buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        Utf8JsonWriter json = t_json ??= new Utf8JsonWriter(buffer);
        json.Reset(buffer);
        JsonSerializer.Serialize(json, record, AuditJsonContext.Default.AuditRecord);
        ReadOnlySpan<byte> bytes = buffer.WrittenSpan;
        if (bytes.Length > _maxRecordBytes)
        {
            return -1;
        }

        int count = (bytes.Length + PayloadPerSlot - 1) / PayloadPerSlot;
        long first = Reserve(count);
        if (first < 0)
        {
            return -1;
        }

        // Further slots first, the first slot's state last: a record is published whole or not at all.
        for (int i = count - 1; i >= 0; i--)
        {
            byte* slot = SlotAt(first + i);
            int offset = i * PayloadPerSlot;
            bytes.Slice(offset, Math.Min(PayloadPerSlot, bytes.Length - offset)).CopyTo(new Span<byte>(slot + HeaderBytes, PayloadPerSlot));
            *(long*)slot = first + i;
            if (i > 0)
            {
                Volatile.Write(ref *(int*)(slot + 8), StatePending);
            }
        }

        byte* head = SlotAt(first);
        *(int*)(head + 12) = bytes.Length;
        Volatile.Write(ref *(int*)(head + 8), StatePublished);
        return first;
    }

    /// <summary>Frees the slots of a record the store now has (called by the trail's writer after its commit).</summary>
    public void Free(long first)
    {
        if (first < 0 || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        byte* head = SlotAt(first);
        int count = (*(int*)(head + 12) + PayloadPerSlot - 1) / PayloadPerSlot;
        for (int i = count - 1; i >= 0; i--)
        {
            Volatile.Write(ref *(int*)(SlotAt(first + i) + 8), StateFree);
        }
    }

    /// <summary>Gets how many records are published and not freed (a scan; for tests and shutdown).</summary>
    public int CountPending()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        int pending = 0;
        for (long i = 0; i < _slots; i++)
        {
            pending += Volatile.Read(ref *(int*)(_base + (i * SlotBytes) + 8)) == StatePublished ? 1 : 0;
        }

        return pending;
    }

    /// <summary>Closes the journal; deleted when <paramref name="delete"/> (every record it held is in the store).</summary>
    public void Close(bool delete)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var wait = default(SpinWait);
        while (Volatile.Read(ref _writing) != 0)
        {
            wait.SpinOnce(); // a write that began before the flag was set finishes first (memory stores only)
        }

        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
        _file.Dispose();
        if (delete)
        {
            try
            {
                File.Delete(Path);
            }
            catch (IOException)
            {
                // Left behind: the next start finds it empty of pending records and removes it.
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Close(delete: false);

    /// <summary>
    /// Reads the journals in <paramref name="dataDirectory"/> whose gateway is gone (each one that this call can lock):
    /// the records they hold that may not be in the store, oldest first, with the files they came from. A running
    /// gateway's journal (locked) is skipped; so is a record that does not read back whole.
    /// </summary>
    public static GoneJournals ReadGone(string dataDirectory)
    {
        string directory = System.IO.Path.Combine(dataDirectory, DirectoryName);
        if (!Directory.Exists(directory))
        {
            return new GoneJournals([], []);
        }

        var records = new List<(AuditRecord Record, long Slot)>();
        var files = new List<string>();
        foreach (string path in Directory.EnumerateFiles(directory, "*" + Extension))
        {
            byte[] content;
            try
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
                content = new byte[file.Length];
                file.ReadExactly(content);
            }
            catch (IOException)
            {
                continue; // locked by a running gateway, or gone meanwhile
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            files.Add(path);
            records.AddRange(ReadPublished(content));
        }

        records.Sort(static (a, b) => a.Record.Time != b.Record.Time ? a.Record.Time.CompareTo(b.Record.Time) : a.Slot.CompareTo(b.Slot));
        return new GoneJournals([.. records.Select(static r => r.Record)], files);
    }

    /// <summary>The published records of one journal's bytes.</summary>
    internal static IEnumerable<(AuditRecord Record, long Slot)> ReadPublished(byte[] content)
    {
        long slots = content.Length / SlotBytes;
        var found = new List<(AuditRecord, long)>();
        for (long i = 0; i < slots; i++)
        {
            ReadOnlySpan<byte> head = content.AsSpan((int)(i * SlotBytes), SlotBytes);
            if (BitConverter.ToInt32(head[8..]) != StatePublished)
            {
                continue;
            }

            long logical = BitConverter.ToInt64(head);
            int length = BitConverter.ToInt32(head[12..]);
            int count = (length + PayloadPerSlot - 1) / PayloadPerSlot;
            if (length <= 0 || count > slots || logical % slots != i || i + count > slots)
            {
                continue;
            }

            byte[] json = new byte[length];
            bool whole = true;
            for (int k = 0; k < count && whole; k++)
            {
                ReadOnlySpan<byte> slot = content.AsSpan((int)((i + k) * SlotBytes), SlotBytes);
                whole = BitConverter.ToInt64(slot) == logical + k && (k == 0 || BitConverter.ToInt32(slot[8..]) == StatePending);
                int offset = k * PayloadPerSlot;
                slot.Slice(HeaderBytes, Math.Min(PayloadPerSlot, length - offset)).CopyTo(json.AsSpan(offset));
            }

            if (!whole)
            {
                continue;
            }

            try
            {
                if (JsonSerializer.Deserialize(json, AuditJsonContext.Default.AuditRecord) is { } record)
                {
                    found.Add((record with { Sequence = 0, PreviousHash = null, Hash = null }, logical));
                }
            }
            catch (JsonException)
            {
                // Not a whole record (a power loss can leave pages half written): skipped.
            }
        }

        return found;
    }

    /// <summary>
    /// Takes the next <paramref name="count"/> consecutive slots when they are free (a record never wraps around the
    /// ring's end); -1 when they are not. The cursor moves only when the slots are taken, so a full ring is usable
    /// again as soon as the writer frees the oldest record.
    /// </summary>
    private long Reserve(int count)
    {
        for (int attempt = 0; attempt < 16; attempt++)
        {
            long first = Volatile.Read(ref _next);
            long room = _slots - (first % _slots);
            if (room < count)
            {
                // Too close to the end: the cursor goes to the next lap's start (the skipped slots keep what they hold).
                Interlocked.CompareExchange(ref _next, first + room, first);
                continue;
            }

            for (int i = 0; i < count; i++)
            {
                if (Volatile.Read(ref *(int*)(SlotAt(first + i) + 8)) != StateFree)
                {
                    return -1; // a record the store does not have yet: never overwritten
                }
            }

            if (Interlocked.CompareExchange(ref _next, first + count, first) == first)
            {
                return first; // these slots are this writer's alone: whoever else looked at them lost the exchange
            }
        }

        return -1; // heavy contention: the caller takes the commit path this once
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* SlotAt(long logical) => _base + ((logical % _slots) * SlotBytes);

    /// <summary>What <see cref="ReadGone"/> found.</summary>
    /// <param name="Records">The records, oldest first (sequence and hashes unset: the store gives them when they are appended).</param>
    /// <param name="Files">The journals read; delete them once the records are in the store.</param>
    internal sealed record GoneJournals(IReadOnlyList<AuditRecord> Records, IReadOnlyList<string> Files);
}
