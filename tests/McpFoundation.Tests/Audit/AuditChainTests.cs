using McpFoundation.Audit;

namespace McpFoundation.Tests.Audit;

[Trait("Category", "Unit")]
[Trait("Category", "Security")]
public sealed class AuditChainTests
{
    private static readonly AuditRecord Sample = new()
    {
        Sequence = 42,
        Kind = AuditRecordKind.OperationFinished,
        Time = DateTimeOffset.FromUnixTimeMilliseconds(1_796_000_000_123),
        CorrelationId = "c-42",
        SessionId = "s-1",
        UserId = "ünïcødé",
        ClientName = "client",
        ClientVersion = "1.0",
        ServerId = "fixture",
        Method = "tools/call",
        Target = "fixture__echo",
        Arguments = "{\"message\":\"東京 🔐\"}",
        ArgumentsSha256 = new string('a', 64),
        Decision = "allow",
        DecidedBy = "policy",
        Rule = "r1",
        RiskScore = 0.25,
        LatencyMs = 1.5,
        Outcome = "ok",
        Details = "d",
        PreviousHash = new string('0', 64),
    };

    [Fact]
    public void ComputeHash_KnownRecord_IsTheHashEarlierVersionsWrote()
    {
        // Computed by the build of 2026-12-02 before the hashing context was reused (commit 8627188): a trail written
        // by an earlier gateway must still verify, so the hash of a record may never change.
        Assert.Equal("5cee74ea6d4c58dcd7fcc870424d9a0ffd17e513b430246c2d45382dbd5ddceb", AuditChain.ComputeHash(Sample));
    }

    [Fact]
    public void ComputeHash_ManyRecordsOnOneThread_EachDependsOnlyOnItsOwnFields()
    {
        // The hashing context is reused from record to record: nothing of one may leak into the next.
        string first = AuditChain.ComputeHash(Sample);
        string large = AuditChain.ComputeHash(Sample with { Arguments = new string('x', 3_000_000) });
        string again = AuditChain.ComputeHash(Sample);
        string other = AuditChain.ComputeHash(Sample with { Sequence = 43 });

        Assert.Equal(first, again);
        Assert.NotEqual(first, large);
        Assert.NotEqual(first, other);
    }
}
