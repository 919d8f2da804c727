using System.Globalization;
using McpFoundation.Configuration;
using McpFoundation.Hosting;
using McpFoundation.Pipeline;
using McpFoundation.Security.Policy;
using McpFoundation.Sessions;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.Security.Approval;

/// <summary>
/// The gateway's <see cref="IApprovalBroker"/>. A session client (stdio, or Streamable HTTP 2025-11-25) is sent an
/// <c>elicitation/create</c> on the call's own request and the call waits for the answer, at most
/// <c>approval.timeout</c>. A stateless (2026-07-28) client is answered with an input-required result carrying the
/// same elicitation and a signed request state (<see cref="ApprovalStateToken"/>); its retry runs the filters again and
/// lands here with the state and the answer, which is accepted only for the same user, tool and binding hash, once.
/// A library call, or a client without the elicitation capability, cannot be asked: the call is refused.
/// </summary>
internal sealed partial class ApprovalBroker : IApprovalBroker
{
    /// <summary>The key of the approval's input request in a stateless client's <c>inputRequests</c> / <c>inputResponses</c>.</summary>
    public const string InputKey = "mcpf-approval";

    private readonly GatewayConfigurationProvider _configuration;
    private readonly TimeProvider _timeProvider;
    private readonly ApprovalStateToken _tokens;
    private readonly ConsumedApprovals _consumed;
    private readonly ILogger _logger;

    public ApprovalBroker(GatewayConfigurationProvider configuration, TimeProvider timeProvider, ILogger<ApprovalBroker> logger)
        : this(configuration, timeProvider, new ApprovalStateToken(timeProvider), logger)
    {
    }

    internal ApprovalBroker(GatewayConfigurationProvider configuration, TimeProvider timeProvider, ApprovalStateToken tokens, ILogger<ApprovalBroker> logger)
    {
        _configuration = configuration;
        _timeProvider = timeProvider;
        _tokens = tokens;
        _consumed = new ConsumedApprovals(timeProvider);
        _logger = logger;
    }

    private TimeSpan Timeout => (_configuration.Current.GetSection<ApprovalSettings>(ConfigSectionsKey) ?? ApprovalSettings.Default).Timeout;

    private static string ConfigSectionsKey => Configuration.Sections.ConfigSections.Approval.Key;

    public ValueTask<SecurityDecision> DecideAsync(OperationContext context, PolicyDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(decision);
        var call = new PendingApproval(
            context,
            context.TargetName ?? "(unknown)",
            decision.RuleIds.Count > 0 ? string.Join(", ", decision.RuleIds) : "default",
            ApprovalBinding.Compute(context.TargetName ?? string.Empty, context.Arguments));

        if (context.Session is not { } session)
        {
            return ValueTask.FromResult(Unavailable(call, "it is a call through the gateway's library API, which has no client to ask"));
        }

        if (!session.IsPersistent && ApprovalStateToken.IsApprovalState(context.ClientRequestState))
        {
            return ValueTask.FromResult(CheckAnswer(call, context.ClientRequestState!));
        }

        if (!CanElicitForm(session))
        {
            return ValueTask.FromResult(Unavailable(call, "it did not declare the elicitation capability (form mode)"));
        }

        return session.IsPersistent ? AskSessionAsync(call, context.RequestServer ?? session.Server, cancellationToken) : ValueTask.FromResult(AskStateless(call));
    }

    private static bool CanElicitForm(ClientSession session) =>
        session.Capabilities?.Elicitation is { } elicitation && (elicitation.Form is not null || elicitation.Url is null);

    private async ValueTask<SecurityDecision> AskSessionAsync(PendingApproval call, McpServer client, CancellationToken cancellationToken)
    {
        TimeSpan timeout = Timeout;
        LogRequested(_logger, call.Tool, call.Rule, "elicitation", call.ShortBinding, call.Context.CorrelationId);
        using var timer = new CancellationTokenSource(timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        ElicitResult answer;
        try
        {
            answer = await client.ElicitAsync(ApprovalPrompt.Create(call.Context, call.Rule, call.Binding), linked.Token);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Refused(call, "timeout", $"approval timed out after {Seconds(timeout)} s without an answer", "Answer the approval request sooner, or ask an administrator to raise approval.timeout.");
        }
        catch (Exception ex) when (ex is McpException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            // The client could not show the request (an error answer, a session that cannot carry it): nobody approved.
            return Unavailable(call, "it could not show the approval request (" + ex.Message + ")");
        }

        return Answered(call, answer);
    }

    private SecurityDecision AskStateless(PendingApproval call)
    {
        TimeSpan timeout = Timeout;
        string state = _tokens.Issue(call.Tool, call.Binding, call.Context.UserId, timeout);
        LogRequested(_logger, call.Tool, call.Rule, "input request", call.ShortBinding, call.Context.CorrelationId);
        var input = new InputRequiredResult
        {
            InputRequests = new Dictionary<string, InputRequest>(StringComparer.Ordinal)
            {
                [InputKey] = InputRequest.ForElicitation(ApprovalPrompt.Create(call.Context, call.Rule, call.Binding)),
            },
            RequestState = state,
        };
        return SecurityDecision.RequireInput(input);
    }

    private SecurityDecision CheckAnswer(PendingApproval call, string requestState)
    {
        const string AskAgain = "Call the tool again without requestState and inputResponses to be asked again.";
        switch (_tokens.TryVerify(requestState, out ApprovalState? state))
        {
            case ApprovalStateProblem.Forged:
                return Refused(call, "forged", "its approval state was not issued by this gateway (or the gateway restarted since)", AskAgain);
            case ApprovalStateProblem.Expired:
                return Refused(call, "timeout", $"approval timed out after {Seconds(Timeout)} s", AskAgain);
        }

        if (!string.Equals(state!.ToolName, call.Tool, StringComparison.Ordinal) || !string.Equals(state.UserId, call.Context.UserId, StringComparison.Ordinal))
        {
            return Refused(call, "mismatch", "the approval was given for another tool or another user", AskAgain);
        }

        if (!string.Equals(state.Binding, call.Binding, StringComparison.Ordinal))
        {
            return Refused(call, "arguments-changed", "the arguments changed after approval (an approval holds only for the exact arguments it showed)", AskAgain);
        }

        if (call.Context.ClientInputResponses?.TryGetValue(InputKey, out InputResponse? response) != true || response is null)
        {
            return Refused(call, "no-answer", $"the retry carries no answer to the approval request (inputResponses.{InputKey})", AskAgain);
        }

        ElicitResult? answer;
        try
        {
            answer = response.Deserialize(InputResponse.ElicitResultJsonTypeInfo);
        }
        catch (System.Text.Json.JsonException)
        {
            answer = null;
        }

        if (ApprovalPrompt.IsApproved(answer) && !_consumed.TryConsume(state))
        {
            return Refused(call, "replayed", "this approval was already used (an approval answers one call)", AskAgain);
        }

        return Answered(call, answer);
    }

    private SecurityDecision Answered(PendingApproval call, ElicitResult? answer)
    {
        if (ApprovalPrompt.IsApproved(answer))
        {
            LogGranted(_logger, call.Tool, call.Rule, call.ShortBinding, call.Context.CorrelationId);
            return SecurityDecision.Allow;
        }

        return Refused(call, answer?.Action is "accept" ? "refuse" : answer?.Action ?? "unreadable", ApprovalPrompt.HowRefused(answer), $"Approve the request when asked if the call is intended; rule {call.Rule} asks for every such call.");
    }

    private SecurityDecision Refused(PendingApproval call, string kind, string why, string hint)
    {
        LogRefused(_logger, call.Tool, call.Rule, kind, call.Context.CorrelationId);
        return SecurityDecision.Deny(
            GatewayErrorCodes.ApprovalRefused,
            $"The call of tool '{call.Tool}' was not approved: {why}. Rule {call.Rule} asks for approval of this call.",
            deniedBy: null,
            rule: call.Rule,
            hint: hint);
    }

    private SecurityDecision Unavailable(PendingApproval call, string why)
    {
        LogUnavailable(_logger, call.Tool, call.Rule, why, call.Context.CorrelationId);
        return SecurityDecision.Deny(
            GatewayErrorCodes.ApprovalUnavailable,
            $"This call of tool '{call.Tool}' needs approval (rule {call.Rule}) but the client cannot be asked: {why}.",
            deniedBy: null,
            rule: call.Rule,
            hint: "Use a client that supports elicitation (form mode), or ask an administrator to change the rule.");
    }

    private static string Seconds(TimeSpan timeout) => timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 2400, EventName = "ApprovalRequested", Level = LogLevel.Information,
        Message = "Asking for approval of {Tool} (rule {Rule}) by {Channel}, binding {Binding} (correlation {CorrelationId})")]
    private static partial void LogRequested(ILogger logger, string tool, string rule, string channel, string binding, string correlationId);

    [LoggerMessage(EventId = 2401, EventName = "ApprovalGranted", Level = LogLevel.Information,
        Message = "Approved {Tool} (rule {Rule}), binding {Binding} (correlation {CorrelationId})")]
    private static partial void LogGranted(ILogger logger, string tool, string rule, string binding, string correlationId);

    [LoggerMessage(EventId = 2402, EventName = "ApprovalRefused", Level = LogLevel.Warning,
        Message = "Not approved: {Tool} (rule {Rule}), {Kind} (correlation {CorrelationId})")]
    private static partial void LogRefused(ILogger logger, string tool, string rule, string kind, string correlationId);

    [LoggerMessage(EventId = 2403, EventName = "ApprovalUnavailable", Level = LogLevel.Warning,
        Message = "Cannot ask for approval of {Tool} (rule {Rule}): {Reason} (correlation {CorrelationId})")]
    private static partial void LogUnavailable(ILogger logger, string tool, string rule, string reason, string correlationId);

    /// <summary>One call waiting for approval: what it is, the rule that asked, and its binding.</summary>
    private sealed record PendingApproval(OperationContext Context, string Tool, string Rule, string Binding)
    {
        public string ShortBinding => Binding[..16];
    }
}
