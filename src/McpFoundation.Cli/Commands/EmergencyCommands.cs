using System.CommandLine;
using System.Globalization;
using McpFoundation.Configuration;
using McpFoundation.Emergency;
using McpFoundation.Storage;

namespace McpFoundation.Cli.Commands;

/// <summary>
/// <c>mcpf stop --reason R</c>, <c>mcpf resume --reason R</c>, <c>mcpf status</c>: the emergency stop from another
/// terminal, for every gateway on the same data directory (see <see cref="EmergencyControl"/>; docs/emergency.md).
/// The data directory is the configuration's (<c>--config</c>, when the file exists) or <c>MCPF_DATA_DIR</c>.
/// </summary>
internal static class EmergencyCommands
{
    public static Command CreateStop()
    {
        var reason = new Option<string>("--reason", "-r") { Description = "Why (required; every refused caller is told).", Required = true, HelpName = "TEXT" };
        var initiator = InitiatorOption();
        Option<string> config = CommonOptions.Config();
        var stop = new Command("stop", "Emergency stop: every gateway on this data directory refuses every call and cancels those in flight, within about 250 ms, until `mcpf resume`. A gateway started later starts stopped.")
        {
            reason,
            initiator,
            config,
        };
        stop.SetAction(async (parseResult, cancellationToken) =>
        {
            if (Control(parseResult, config) is not { } control)
            {
                return ExitCodes.BadInput;
            }

            if (string.IsNullOrWhiteSpace(parseResult.GetValue(reason)))
            {
                await Console.Error.WriteLineAsync("mcpf stop: --reason must say why, e.g. --reason \"suspected data exfiltration\".");
                return ExitCodes.BadInput;
            }

            (EmergencyState state, bool changed) = await control.StopAsync(parseResult.GetValue(reason)!, parseResult.GetValue(initiator)!, cancellationToken);
            Console.WriteLine(changed
                ? $"Stopped: every gateway on {control.DataDirectory} refuses calls within about 250 ms. Resume with `mcpf resume --reason \"...\"`."
                : $"Already stopped (since {Time(state.ActivatedAt)} by {state.Initiator}: {state.Reason}); nothing changed.");
            return ExitCodes.Success;
        });
        return stop;
    }

    public static Command CreateResume()
    {
        var reason = new Option<string>("--reason", "-r") { Description = "Why it is safe to go on (required; audited).", Required = true, HelpName = "TEXT" };
        var initiator = InitiatorOption();
        Option<string> config = CommonOptions.Config();
        var resume = new Command("resume", "End an emergency stop: every gateway on this data directory serves calls again within about 250 ms.")
        {
            reason,
            initiator,
            config,
        };
        resume.SetAction(async (parseResult, cancellationToken) =>
        {
            if (Control(parseResult, config) is not { } control)
            {
                return ExitCodes.BadInput;
            }

            try
            {
                (EmergencyState _, bool changed) = await control.ResumeAsync(parseResult.GetValue(initiator)!, parseResult.GetValue(reason) ?? string.Empty, cancellationToken);
                Console.WriteLine(changed
                    ? $"Resumed: every gateway on {control.DataDirectory} serves calls again within about 250 ms."
                    : "Not stopped; nothing changed.");
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                await Console.Error.WriteLineAsync($"mcpf resume: {ex.Message}");
                return ex is ArgumentException ? ExitCodes.BadInput : ExitCodes.Failure;
            }
        });
        return resume;
    }

    public static Command CreateStatus()
    {
        Option<string> config = CommonOptions.Config();
        Option<bool> json = CommonOptions.Json();
        var status = new Command("status", "Print the emergency state of the gateways on this data directory: stopped or running, by whom, why, since when. Exits 0 running, 3 stopped.")
        {
            config,
            json,
        };
        status.SetAction(async (parseResult, cancellationToken) =>
        {
            if (Control(parseResult, config) is not { } control)
            {
                return ExitCodes.BadInput;
            }

            EmergencyState state = await control.GetStateAsync(cancellationToken);
            bool stopFile = control.StopFileExists;
            if (parseResult.GetValue(json))
            {
                Console.WriteLine(EmergencyStateStore.Serialize(state));
            }
            else
            {
                Console.WriteLine($"Data directory: {control.DataDirectory}");
                Console.WriteLine(state.IsActive
                    ? $"Emergency stop: ACTIVE since {Time(state.ActivatedAt)}, by {state.Initiator} through {state.Channel}: {state.Reason}"
                    : "Emergency stop: not active");
                if (!state.IsActive && state.ResumedAt is not null)
                {
                    Console.WriteLine($"Last resumed {Time(state.ResumedAt)} by {state.ResumedBy} through {state.ResumeChannel}: {state.ResumeReason}");
                }

                Console.WriteLine(stopFile
                    ? $"Stop file: {control.StopFile} EXISTS (running gateways stop within a second; remove it before resuming)"
                    : $"Stop file: {control.StopFile} (absent)");
            }

            return state.IsActive || stopFile ? StoppedExitCode : ExitCodes.Success;
        });
        return status;
    }

    /// <summary>The exit code of <c>mcpf status</c> while stopped.</summary>
    public const int StoppedExitCode = 3;

    private static Option<string> InitiatorOption() => new("--initiator", "-i")
    {
        Description = "Who (default: the local user name).",
        HelpName = "NAME",
        DefaultValueFactory = _ => $"{Environment.UserName}@{Environment.MachineName}",
    };

    /// <summary>The control of the configuration's data directory, or of MCPF_DATA_DIR (or the default) when there is no configuration file.</summary>
    private static EmergencyControl? Control(ParseResult parseResult, Option<string> config)
    {
        string path = parseResult.GetValue(config)!;
        bool named = parseResult.GetResult(config) is { Implicit: false } || Environment.GetEnvironmentVariable(CommonOptions.ConfigEnvironmentVariable) is { Length: > 0 };
        GatewayConfiguration? configuration;
        if (named || File.Exists(path))
        {
            configuration = CommonOptions.LoadConfiguration(path, Console.Error);
            if (configuration is null)
            {
                return null;
            }
        }
        else
        {
            string? variable = Environment.GetEnvironmentVariable(DataDirectory.Variable);
            configuration = new GatewayConfiguration { Settings = new GatewaySettings { DataDirectory = string.IsNullOrWhiteSpace(variable) ? null : variable } };
        }

        return EmergencyControl.For(configuration);
    }

    private static string Time(DateTimeOffset? at) => at?.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "?";
}
