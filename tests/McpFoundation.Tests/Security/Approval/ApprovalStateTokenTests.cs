using System.Text;
using McpFoundation.Security.Approval;
using Microsoft.Extensions.Time.Testing;

namespace McpFoundation.Tests.Security.Approval;

[Trait("Category", "Security")]
public sealed class ApprovalStateTokenTests
{
    private static readonly string Binding = new('a', 64);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryVerify_FreshState_SaysWhatWasIssued()
    {
        var tokens = new ApprovalStateToken(_clock);
        string state = tokens.Issue("mail__send", Binding, "alice", TimeSpan.FromSeconds(120));

        ApprovalStateProblem problem = tokens.TryVerify(state, out ApprovalState? verified);

        Assert.Equal(ApprovalStateProblem.None, problem);
        Assert.Equal(("mail__send", Binding, "alice"), (verified!.ToolName, verified.Binding, verified.UserId));
        Assert.Equal(_clock.GetUtcNow().AddSeconds(120), verified.ExpiresAt);
        Assert.StartsWith(ApprovalStateToken.Prefix, state, StringComparison.Ordinal);
        Assert.True(ApprovalStateToken.IsApprovalState(state));
    }

    [Fact]
    public void TryVerify_AnonymousCaller_KeepsNoUser()
    {
        var tokens = new ApprovalStateToken(_clock);

        tokens.TryVerify(tokens.Issue("t", Binding, null, TimeSpan.FromSeconds(5)), out ApprovalState? verified);

        Assert.Null(verified!.UserId);
    }

    [Fact]
    public void TryVerify_AfterItsLifetime_Expired()
    {
        var tokens = new ApprovalStateToken(_clock);
        string state = tokens.Issue("mail__send", Binding, "alice", TimeSpan.FromSeconds(120));
        _clock.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(ApprovalStateProblem.None, tokens.TryVerify(state, out _));

        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(ApprovalStateProblem.Expired, tokens.TryVerify(state, out ApprovalState? verified));
        Assert.Null(verified);
    }

    [Fact]
    public void TryVerify_AnyCharacterChanged_Forged()
    {
        var tokens = new ApprovalStateToken(_clock);
        string state = tokens.Issue("mail__send", Binding, "alice", TimeSpan.FromSeconds(120));

        for (int i = ApprovalStateToken.Prefix.Length; i < state.Length; i++)
        {
            char replacement = state[i] == 'A' ? 'B' : 'A';
            string tampered = string.Concat(state.AsSpan(0, i), replacement.ToString(), state.AsSpan(i + 1));

            Assert.Equal(ApprovalStateProblem.Forged, tokens.TryVerify(tampered, out _));
        }
    }

    [Fact]
    public void TryVerify_PayloadRewrittenWithALaterExpiryOrOtherBinding_Forged()
    {
        var tokens = new ApprovalStateToken(_clock);
        string state = tokens.Issue("mail__send", Binding, "alice", TimeSpan.FromSeconds(120));
        string[] parts = state[ApprovalStateToken.Prefix.Length..].Split('.');
        string payload = Encoding.UTF8.GetString(FromBase64Url(parts[0]));
        string rewritten = payload.Replace(Binding, new string('b', 64), StringComparison.Ordinal);

        string forged = ApprovalStateToken.Prefix + ToBase64Url(Encoding.UTF8.GetBytes(rewritten)) + "." + parts[1];

        Assert.Equal(ApprovalStateProblem.Forged, tokens.TryVerify(forged, out _));
    }

    [Fact]
    public void TryVerify_StateOfAnotherProcess_Forged()
    {
        string state = new ApprovalStateToken(_clock).Issue("mail__send", Binding, "alice", TimeSpan.FromSeconds(120));

        Assert.Equal(ApprovalStateProblem.Forged, new ApprovalStateToken(_clock).TryVerify(state, out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("mcpf-mrtr-0123456789abcdef")]
    [InlineData("mcpf-approval-")]
    [InlineData("mcpf-approval-.")]
    [InlineData("mcpf-approval-abc")]
    [InlineData("mcpf-approval-!!!.???")]
    [InlineData("mcpf-approval-e30.e30")]
    public void TryVerify_Malformed_ForgedWithoutThrowing(string? state)
    {
        Assert.Equal(ApprovalStateProblem.Forged, new ApprovalStateToken(_clock).TryVerify(state, out ApprovalState? verified));
        Assert.Null(verified);
    }

    [Fact]
    public void TryVerify_HugeState_ForgedWithoutDecoding()
    {
        string huge = ApprovalStateToken.Prefix + new string('A', 100_000) + ".AAAA";

        Assert.Equal(ApprovalStateProblem.Forged, new ApprovalStateToken(_clock).TryVerify(huge, out _));
    }

    [Fact]
    public void Issue_TwiceForTheSameCall_DifferentNonces()
    {
        var tokens = new ApprovalStateToken(_clock);
        tokens.TryVerify(tokens.Issue("t", Binding, "alice", TimeSpan.FromSeconds(5)), out ApprovalState? first);
        tokens.TryVerify(tokens.Issue("t", Binding, "alice", TimeSpan.FromSeconds(5)), out ApprovalState? second);

        Assert.NotEqual(first!.Nonce, second!.Nonce);
    }

    [Fact]
    public void ConsumedApprovals_SecondUseOfOneState_Refused()
    {
        var tokens = new ApprovalStateToken(_clock);
        var consumed = new ConsumedApprovals(_clock);
        tokens.TryVerify(tokens.Issue("t", Binding, "alice", TimeSpan.FromSeconds(5)), out ApprovalState? state);
        tokens.TryVerify(tokens.Issue("t", Binding, "alice", TimeSpan.FromSeconds(5)), out ApprovalState? other);

        Assert.True(consumed.TryConsume(state!));
        Assert.False(consumed.TryConsume(state!));
        Assert.True(consumed.TryConsume(other!));
    }

    [Fact]
    public void ConsumedApprovals_ExpiredEntriesAreSweptOnceMany()
    {
        var tokens = new ApprovalStateToken(_clock);
        var consumed = new ConsumedApprovals(_clock);
        for (int i = 0; i < 1100; i++)
        {
            tokens.TryVerify(tokens.Issue("t", Binding, "alice", TimeSpan.FromSeconds(5)), out ApprovalState? state);
            consumed.TryConsume(state!);
        }

        _clock.Advance(TimeSpan.FromSeconds(6));
        tokens.TryVerify(tokens.Issue("t", Binding, "alice", TimeSpan.FromSeconds(5)), out ApprovalState? fresh);
        consumed.TryConsume(fresh!);

        Assert.Equal(1, consumed.Count);
    }

    private static string ToBase64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        string padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - (padded.Length % 4)) % 4));
    }
}
