using System.CommandLine;
using System.Text.Json;
using McpFoundation.Tools;

namespace McpFoundation.Cli.Commands;

/// <summary><c>mcpf call TOOL --args JSON</c>: calls one tool through the gateway's pipeline and prints the result.</summary>
internal static class CallCommand
{
    public static Command Create()
    {
        var toolArgument = new Argument<string>("tool") { Description = "The exposed tool name, as `mcpf tools list` prints it (e.g. everything__echo)." };
        var argsOption = new Option<string>("--args", "-a") { Description = "The tool's arguments as a JSON object, e.g. '{\"message\":\"hi\"}'.", DefaultValueFactory = _ => "{}", HelpName = "JSON" };
        var userOption = new Option<string?>("--user", "-u") { Description = "The user id the call is made for (recorded with the call).", HelpName = "ID" };
        Option<string> configOption = CommonOptions.Config();
        var call = new Command("call", "Call one tool through the gateway and print its result as JSON. Exits 1 if the tool or server reports an error, 2 on bad input.")
        {
            toolArgument,
            argsOption,
            userOption,
            configOption,
        };
        call.SetAction(async (parseResult, cancellationToken) =>
        {
            if (!TryParseArguments(parseResult.GetValue(argsOption)!, out Dictionary<string, JsonElement>? arguments, out string? problem))
            {
                await Console.Error.WriteLineAsync(problem);
                return ExitCodes.BadInput;
            }

            await using McpSecurityIntegration? gateway = await GatewaySession.StartAsync(parseResult.GetValue(configOption)!, cancellationToken);
            if (gateway is null)
            {
                return ExitCodes.BadInput;
            }

            ToolCallOutcome outcome = await gateway.ExecuteToolAsync(parseResult.GetValue(toolArgument)!, arguments, parseResult.GetValue(userOption), cancellationToken);
            if (outcome.Result is { } result)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(result, CliJson.Indented));
                return result.IsError == true ? ExitCodes.Failure : ExitCodes.Success;
            }

            await Console.Error.WriteLineAsync($"error {outcome.ErrorCode}: {outcome.ErrorMessage}");
            return outcome.ErrorCode == Pipeline.GatewayErrorCodes.InvalidParams ? ExitCodes.BadInput : ExitCodes.Failure;
        });
        return call;
    }

    internal static bool TryParseArguments(string json, out Dictionary<string, JsonElement>? arguments, out string? problem)
    {
        arguments = null;
        problem = null;
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problem = $"--args must be a JSON object such as '{{\"message\":\"hi\"}}', not a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}.";
                return false;
            }

            arguments = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
            return true;
        }
        catch (JsonException ex)
        {
            problem = $"--args is not valid JSON ({ex.Message}). Write a JSON object such as '{{\"message\":\"hi\"}}', quoted for your shell.";
            return false;
        }
    }
}
