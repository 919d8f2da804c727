using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace McpFoundation.Audit;

/// <summary>
/// Signs and checks checkpoints with HMAC-SHA256. The key is 32 random bytes in <c>audit.key</c> in the data directory,
/// created owner-only (0600) on first start and never written to the database, a log or an export.
/// </summary>
internal sealed class CheckpointSigner
{
    internal const string KeyFileName = "audit.key";

    private readonly byte[] _key;

    public CheckpointSigner(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 16)
        {
            throw new ArgumentException("An audit key has at least 16 bytes.", nameof(key));
        }

        _key = key;
    }

    /// <summary>Reads the key file of <paramref name="dataDirectory"/>, creating it (0600) when <paramref name="create"/> and it is missing.</summary>
    /// <exception cref="FileNotFoundException">There is no key file and <paramref name="create"/> is false.</exception>
    public static CheckpointSigner FromDataDirectory(string dataDirectory, bool create)
    {
        string path = Path.Combine(dataDirectory, KeyFileName);
        if (!File.Exists(path))
        {
            if (!create)
            {
                throw new FileNotFoundException($"The audit key {path} does not exist: checkpoints cannot be checked without the key the gateway made at its first start. Point --data-dir at the gateway's data directory.", path);
            }

            Storage.DataDirectory.EnsureExists(dataDirectory);
            byte[] fresh = RandomNumberGenerator.GetBytes(32);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                using var stream = new FileStream(path, options);
                stream.Write(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(fresh)));
                stream.Flush(flushToDisk: true);
                return new CheckpointSigner(fresh);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process made it first: use theirs.
            }
        }

        string text = File.ReadAllText(path).Trim();
        try
        {
            return new CheckpointSigner(Convert.FromHexString(text));
        }
        catch (FormatException)
        {
            throw new InvalidDataException($"The audit key {path} is not hex text; restore it from a backup (a new key cannot check the existing checkpoints).");
        }
    }

    public AuditCheckpoint Sign(long sequence, string hash, DateTimeOffset time)
    {
        DateTimeOffset at = AuditChain.Truncate(time);
        return new AuditCheckpoint(sequence, hash, at, Mac(sequence, hash, at));
    }

    public bool Verify(AuditCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        byte[] expected = Encoding.ASCII.GetBytes(Mac(checkpoint.Sequence, checkpoint.Hash, checkpoint.Time));
        byte[] actual = Encoding.ASCII.GetBytes(checkpoint.Mac);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    /// <summary>Signs the prune that keeps <paramref name="anchor"/> as the trail's new start (its <see cref="AuditCheckpoint.PruneMac"/>).</summary>
    public string SignPrune(AuditCheckpoint anchor)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        return PruneMac(anchor);
    }

    /// <summary>Whether <paramref name="anchor"/> carries a valid prune mark.</summary>
    public bool VerifyPrune(AuditCheckpoint anchor)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        if (anchor.PruneMac is not { } mark)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(PruneMac(anchor)), Encoding.ASCII.GetBytes(mark));
    }

    private string PruneMac(AuditCheckpoint anchor)
    {
        string message = string.Create(CultureInfo.InvariantCulture, $"mcpf-audit-prune-v1|{anchor.Sequence}|{anchor.Hash}|{anchor.Time.ToUnixTimeMilliseconds()}");
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(message)));
    }

    private string Mac(long sequence, string hash, DateTimeOffset time)
    {
        string message = string.Create(CultureInfo.InvariantCulture, $"mcpf-audit-checkpoint-v1|{sequence}|{hash}|{time.ToUnixTimeMilliseconds()}");
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(message)));
    }
}
