using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.Security.Adaptive;

namespace McpFoundation.Cli.Commands;

/// <summary>
/// <c>mcpf release USER|SESSION|SERVER [--reason R] [--config F]</c>: ends an escalation of the adaptive response for
/// every gateway on the configuration's data directory (they notice within a second); <c>--list</c> prints the
/// escalations instead. Exit 0 released (or listed), 1 nothing matched, 2 bad input.
/// </summary>
internal static class ReleaseCommand
{
    public static Command Create()
    {
        var subjectArgument = new Argument<string?>("subject")
        {
            Description = "What to release: user:ID, session:ID, server:ID, or a bare id (every subject with that id).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var reasonOption = new Option<string?>("--reason", "-r") { Description = "Why (logged and audited with your user name).", HelpName = "TEXT" };
        var listOption = new Option<bool>("--list", "-l") { Description = "Print the escalations of every gateway on the data directory instead." };
        Option<string> configOption = CommonOptions.Config();
        Option<bool> jsonOption = CommonOptions.Json();
        var release = new Command("release", "End an escalation of the adaptive response (a quarantined user or session, a throttle, a stopped server) for every gateway on the configuration's data directory. Exits 0 released, 1 nothing matched, 2 bad input.")
        {
            subjectArgument,
            reasonOption,
            listOption,
            configOption,
            jsonOption,
        };
        release.SetAction(async (parseResult, cancellationToken) =>
        {
            GatewayConfiguration? configuration = CommonOptions.LoadConfiguration(parseResult.GetValue(configOption)!, Console.Error);
            if (configuration is null)
            {
                return ExitCodes.BadInput;
            }

            bool json = parseResult.GetValue(jsonOption);
            if (parseResult.GetValue(listOption))
            {
                IReadOnlyList<Escalation> escalations = await EscalationStore.ListAsync(configuration, cancellationToken);
                if (json)
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(
                        escalations.Select(e => new { subject = e.Subject, level = AdaptiveResponse.Describe(e.Level), score = e.Score, reason = e.Reason, since = e.Since, until = e.Until }),
                        CliJson.Indented));
                }
                else if (escalations.Count == 0)
                {
                    Console.Out.WriteLine("No escalations.");
                }
                else
                {
                    foreach (Escalation e in escalations)
                    {
                        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.Subject}  {AdaptiveResponse.Describe(e.Level)} until {e.Until:O} (score {e.Score:0.##}): {e.Reason}"));
                    }
                }

                return ExitCodes.Success;
            }

            if (parseResult.GetValue(subjectArgument) is not { Length: > 0 } subject)
            {
                await Console.Error.WriteLineAsync("mcpf release: name what to release (user:ID, session:ID, server:ID or a bare id), or pass --list to see the escalations.");
                return ExitCodes.BadInput;
            }

            IReadOnlyList<string> released = await EscalationStore.ReleaseAsync(configuration, subject, Environment.UserName, parseResult.GetValue(reasonOption), cancellationToken);
            if (released.Count == 0)
            {
                await Console.Error.WriteLineAsync($"mcpf release: nothing named '{subject}' is escalated on data directory {Storage.DataDirectory.Resolve(configuration)}; `mcpf release --list` shows what is.");
                return ExitCodes.Failure;
            }

            foreach (string name in released)
            {
                Console.Out.WriteLine($"released {name} (every gateway on this data directory ends it within a second)");
            }

            return ExitCodes.Success;
        });
        return release;
    }
}
