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
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, record.Sequence);
        hash.AppendData(number);
        Append(hash, record.PreviousHash);
        Append(hash, KindName(record.Kind));
        BinaryPrimitives.WriteInt64BigEndian(number, record.Time.ToUnixTimeMilliseconds());
        hash.AppendData(number);
        Append(hash, record.CorrelationId);
        Append(hash, record.SessionId);
        Append(hash, record.UserId);
        Append(hash, record.ClientName);
        Append(hash, record.ClientVersion);
        Append(hash, record.ServerId);
        Append(hash, record.Method);
        Append(hash, record.Target);
        Append(hash, record.Arguments);
        Append(hash, record.ArgumentsSha256);
        Append(hash, record.Decision);
        Append(hash, record.DecidedBy);
        Append(hash, record.Rule);
        Append(hash, record.RiskScore?.ToString("R", CultureInfo.InvariantCulture));
        Append(hash, record.LatencyMs?.ToString("R", CultureInfo.InvariantCulture));
        Append(hash, record.Outcome);
        Append(hash, record.ErrorCode?.ToString(CultureInfo.InvariantCulture));
        Append(hash, record.ErrorMessage);
        Append(hash, record.Details);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void Append(IncrementalHash hash, string? value)
    {
        Span<byte> length = stackalloc byte[4];
        if (value is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(length, -1);
            hash.AppendData(length);
            return;
        }

        int count = Encoding.UTF8.GetByteCount(value);
        BinaryPrimitives.WriteInt32BigEndian(length, count);
        hash.AppendData(length);
        if (count <= 512)
        {
            Span<byte> bytes = stackalloc byte[count];
            Encoding.UTF8.GetBytes(value, bytes);
            hash.AppendData(bytes);
        }
        else
        {
            hash.AppendData(Encoding.UTF8.GetBytes(value));
        }
    }
}
