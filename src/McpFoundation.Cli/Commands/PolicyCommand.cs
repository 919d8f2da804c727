using System.CommandLine;
using System.Security.Claims;
using System.Text.Json;
using McpFoundation.Pipeline;
using McpFoundation.Security.Arguments;
using McpFoundation.Security.Policy;
using McpFoundation.Sessions;

namespace McpFoundation.Cli.Commands;

/// <summary>
/// <c>mcpf policy test --config F --tool T --args JSON [--user U] [--role R]...</c>: what the gateway would decide for
/// one call, by the same code the pipeline's policy filter runs, with the canonical form of every checked argument.
/// Exit 0 allow, 1 deny, 3 ask, 2 bad input.
/// </summary>
internal static class PolicyCommand
{
    /// <summary>The exit code of an <c>ask</c> decision.</summary>
    public const int Ask = 3;

    public static Command Create()
    {
        var policy = new Command("policy", "Try the policy and the server's security profile on a call without making it.");
        var toolOption = new Option<string>("--tool", "-t") { Description = "The exposed tool name, as `mcpf tools list` prints it (e.g. fs__read_file).", Required = true, HelpName = "NAME" };
        var argsOption = new Option<string>("--args", "-a") { Description = "The call's arguments as a JSON object, e.g. '{\"path\":\"/etc/passwd\"}'.", DefaultValueFactory = _ => "{}", HelpName = "JSON" };
        var userOption = new Option<string?>("--user", "-u") { Description = "The caller's user id (default: the local user, as the stdio front sees it).", HelpName = "ID" };
        var roleOption = new Option<string[]>("--role", "-r") { Description = "A role of the caller (repeatable), matched by rules' \"role:<r>\" users.", HelpName = "ROLE", AllowMultipleArgumentsPerToken = false };
        Option<string> configOption = CommonOptions.Config();
        Option<bool> jsonOption = CommonOptions.Json();
        var test = new Command("test", "Print the decision (allow, deny or ask) for one call, the rule that decided it, and the canonical form of every checked argument. Starts the servers to read the tool's definition; calls nothing. Exits 0 allow, 1 deny, 3 ask, 2 bad input.")
        {
            toolOption,
            argsOption,
            userOption,
            roleOption,
            configOption,
            jsonOption,
        };
        test.SetAction(async (parseResult, cancellationToken) =>
        {
            if (!CallCommand.TryParseArguments(parseResult.GetValue(argsOption)!, out Dictionary<string, JsonElement>? arguments, out string? problem))
            {
                await Console.Error.WriteLineAsync(problem);
                return ExitCodes.BadInput;
            }

            await using McpSecurityIntegration? gateway = await GatewaySession.StartAsync(parseResult.GetValue(configOption)!, cancellationToken);
            if (gateway is null)
            {
                return ExitCodes.BadInput;
            }

            string tool = parseResult.GetValue(toolOption)!;
            ClaimsPrincipal user = Caller(parseResult.GetValue(userOption), parseResult.GetValue(roleOption) ?? []);
            OperationContext context = gateway.ToolRegistry.CreateToolCallContext(tool, arguments, user);
            if (!context.IsResolved)
            {
                await Console.Error.WriteLineAsync($"'{tool}' names no tool the gateway exposes now; `mcpf tools list --config F` lists them. (A call of it would be refused as an unknown tool.)");
                return ExitCodes.BadInput;
            }

            PolicyDecision decision = await gateway.ValidateOperationAsync(OperationCategory.ToolExecution, context, cancellationToken);
            if (parseResult.GetValue(jsonOption))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(
                    new
                    {
                        tool,
                        server = context.ServerId,
                        user = context.UserId,
                        effect = decision.Effect.ToString().ToLowerInvariant(),
                        isValid = decision.IsValid,
                        shadow = decision.IsShadow,
                        rules = decision.RuleIds,
                        errorCode = decision.ErrorCode == 0 ? (int?)null : decision.ErrorCode,
                        validationErrors = decision.ValidationErrors,
                        hint = decision.Hint,
                        argument = decision.Argument,
                        arguments = decision.CheckedArguments.Select(a => new { name = a.Name, kind = a.Kind.ToString().ToLowerInvariant(), original = a.Original, canonical = a.Canonical, note = a.Note }),
                        correlationId = decision.CorrelationId,
                    },
                    CliJson.Indented));
            }
            else
            {
                Print(tool, context, decision);
            }

            return decision.Effect switch
            {
                PolicyEffect.Allow => ExitCodes.Success,
                PolicyEffect.Ask => Ask,
                _ => ExitCodes.Failure,
            };
        });
        policy.Subcommands.Add(test);
        return policy;
    }

    /// <summary>The caller: the named user with its roles, or the local user as the stdio front sees it.</summary>
    internal static ClaimsPrincipal Caller(string? userId, IReadOnlyList<string> roles)
    {
        ClaimsPrincipal principal = SessionRegistry.PrincipalOf(string.IsNullOrEmpty(userId) ? Environment.UserName : userId, userId is null ? "local" : "mcpf-cli");
        if (principal.Identity is ClaimsIdentity identity)
        {
            foreach (string role in roles)
            {
                identity.AddClaim(new Claim(ClaimTypes.Role, role));
            }
        }

        return principal;
    }

    private static void Print(string tool, OperationContext context, PolicyDecision decision)
    {
        string effect = decision.Effect.ToString().ToLowerInvariant();
        string rules = decision.RuleIds.Count == 0 ? "default" : string.Join(", ", decision.RuleIds);
        Console.Out.WriteLine($"{effect}{(decision.IsShadow ? " (shadow mode: the call would go on, and the " + effect + " is logged)" : "")}: {tool} (server {context.ServerId}) for {context.UserId ?? "an anonymous caller"}");
        Console.Out.WriteLine($"  decided by: {rules}");
        foreach (string error in decision.ValidationErrors)
        {
            Console.Out.WriteLine($"  why: {error}");
        }

        if (decision.Effect == PolicyEffect.Ask && !decision.IsShadow)
        {
            Console.Out.WriteLine($"  a call: asks its caller to approve these exact arguments (refused or timed out: error {GatewayErrorCodes.ApprovalRefused}; a client that cannot be asked: error {GatewayErrorCodes.ApprovalUnavailable})");
        }
        else if (decision.ErrorCode != 0)
        {
            Console.Out.WriteLine($"  a call gets: error {decision.ErrorCode}{(decision.Argument is { Length: > 0 } argument ? $" about argument '{argument}'" : "")}");
        }

        if (decision.Hint is { Length: > 0 } hint)
        {
            Console.Out.WriteLine($"  to allow it: {hint}");
        }

        foreach (CheckedArgument argument in decision.CheckedArguments)
        {
            string canonical = argument.Canonical is null ? "(no canonical form)" : argument.Canonical == argument.Original ? "(unchanged)" : "→ " + argument.Canonical;
            Console.Out.WriteLine($"  argument {argument.Name} ({argument.Kind.ToString().ToLowerInvariant()}): {argument.Original} {canonical}{(argument.Note is { Length: > 0 } note ? " — " + note : "")}");
        }
    }
}
