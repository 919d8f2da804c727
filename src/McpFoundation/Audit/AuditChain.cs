using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace McpFoundation.Audit;

/// <summary>
/// The hash chain of the trail: each record's hash is the SHA-256 of its predecessor's hash and of every field of the
/// record (its sequence number included), each written as a 4-byte length and its UTF-8 bytes (-1 for a missing
/// value), so that no two different records encode alike. Editing, inserting, reordering or deleting a record changes
/// the hash of every record after it.
/// </summary>
internal static class AuditChain
{
    /// <summary>The predecessor hash of the first record.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>The stable name of a kind, as stored.</summary>
    public static string KindName(AuditRecordKind kind) => kind switch
    {
        AuditRecordKind.OperationStarted => "started",
        AuditRecordKind.OperationFinished => "finished",
        _ => "security_event",
    };

    /// <summary>The kind a stored name stands for.</summary>
    public static AuditRecordKind ParseKind(string name) => name switch
    {
        "started" => AuditRecordKind.OperationStarted,
        "finished" => AuditRecordKind.OperationFinished,
        "security_event" => AuditRecordKind.SecurityEvent,
        _ => throw new FormatException($"'{name}' is not an audit record kind."),
    };

    /// <summary>Gives <paramref name="record"/> its place after (<paramref name="previousSequence"/>, <paramref name="previousHash"/>).</summary>
    public static AuditRecord Link(AuditRecord record, long previousSequence, string previousHash)
    {
        AuditRecord placed = record with { Sequence = previousSequence + 1, PreviousHash = previousHash, Time = Truncate(record.Time) };
        return placed with { Hash = ComputeHash(placed) };
    }

    /// <summary>The time as the store keeps it (whole milliseconds, UTC).</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    /// <summary>Computes the record's hash from its fields and <see cref="AuditRecord.PreviousHash"/>.</summary>
    public static string ComputeHash(AuditRecord record)
    {
        // One pass into a pooled buffer, then one SHA-256 over it (the writer hashes every record it commits).
        ArrayBufferWriter<byte> buffer = Buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        Number(buffer, record.Sequence);
        Append(buffer, record.PreviousHash);
        Append(buffer, KindName(record.Kind));
        Number(buffer, record.Time.ToUnixTimeMilliseconds());
        Append(buffer, record.CorrelationId);
        Append(buffer, record.SessionId);
        Append(buffer, record.UserId);
        Append(buffer, record.ClientName);
        Append(buffer, record.ClientVersion);
        Append(buffer, record.ServerId);
        Append(buffer, record.Method);
        Append(buffer, record.Target);
        Append(buffer, record.Arguments);
        Append(buffer, record.ArgumentsSha256);
        Append(buffer, record.Decision);
        Append(buffer, record.DecidedBy);
        Append(buffer, record.Rule);
        Append(buffer, record.RiskScore?.ToString("R", CultureInfo.InvariantCulture));
        Append(buffer, record.LatencyMs?.ToString("R", CultureInfo.InvariantCulture));
        Append(buffer, record.Outcome);
        Append(buffer, record.ErrorCode?.ToString(CultureInfo.InvariantCulture));
        Append(buffer, record.ErrorMessage);
        Append(buffer, record.Details);
        // One hashing context per thread, reset by each digest: the one-shot SHA256.HashData makes and frees an
        // OpenSSL context every time (measured: 1.0 against 1.3 µs for a 600-byte record).
        IncrementalHash sha256 = Sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        sha256.AppendData(buffer.WrittenSpan);
        sha256.GetHashAndReset(digest);
        if (buffer.Capacity > 1 << 20)
        {
            Buffer = null;
        }

        return Convert.ToHexStringLower(digest);
    }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? Buffer;

    [ThreadStatic]
    private static IncrementalHash? Sha256;

    private static void Number(ArrayBufferWriter<byte> buffer, long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(buffer.GetSpan(8), value);
        buffer.Advance(8);
    }

    private static void Append(ArrayBufferWriter<byte> buffer, string? value)
    {
        if (value is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(buffer.GetSpan(4), -1);
            buffer.Advance(4);
            return;
        }

        int count = Encoding.UTF8.GetByteCount(value);
        BinaryPrimitives.WriteInt32BigEndian(buffer.GetSpan(4), count);
        buffer.Advance(4);
        buffer.Advance(Encoding.UTF8.GetBytes(value, buffer.GetSpan(count)));
    }
}
