using System.CommandLine;
using System.Globalization;
using McpFoundation.Audit;
using McpFoundation.Configuration;

namespace McpFoundation.Cli.Commands;

/// <summary>
/// <c>mcpf audit tail|query|export|verify|stats</c>: read the audit trail a gateway writes (SQLite <c>audit.db</c> in
/// its data directory, or PostgreSQL), check that it was not edited, and sum it up. See docs/audit.md.
/// </summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var audit = new Command("audit", "Read, export and verify the audit trail (see docs/audit.md).");
        audit.Subcommands.Add(CreateTail());
        audit.Subcommands.Add(CreateQuery());
        audit.Subcommands.Add(CreateExport());
        audit.Subcommands.Add(CreateVerify());
        audit.Subcommands.Add(CreateStats());
        return audit;
    }

    private static Option<string> DataDir() => new("--data-dir", "-d")
    {
        Description = "The gateway's data directory (where audit.db and audit.key are). Default: the configuration's settings.data_dir, $MCPF_DATA_DIR, then $XDG_DATA_HOME/mcpf.",
        HelpName = "DIR",
    };

    private static Command CreateTail()
    {
        Option<string> config = CommonOptions.Config();
        Option<string> dataDir = DataDir();
        Option<bool> json = CommonOptions.Json();
        var count = new Option<int>("--lines", "-n") { Description = "How many of the newest records to show (default 20).", DefaultValueFactory = _ => 20 };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new records as they are written (Ctrl+C stops)." };
        var tail = new Command("tail", "Print the newest records.") { config, dataDir, json, count, follow };
        tail.SetAction(async (parse, cancellationToken) =>
        {
            await using IAuditStore? store = Open(parse.GetValue(config)!, parse.GetValue(dataDir), out _);
            if (store is null)
            {
                return ExitCodes.BadInput;
            }

            bool asJson = parse.GetValue(json);
            return await Guard(async () =>
            {
                long last = 0;
                var printer = new Printer(asJson);
                await foreach (AuditRecord record in store.QueryAsync(new AuditQuery { Limit = Math.Max(1, parse.GetValue(count)) }, cancellationToken))
                {
                    printer.Print(record);
                    last = record.Sequence;
                }

                while (parse.GetValue(follow) && !cancellationToken.IsCancellationRequested)
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }

                    await foreach (AuditRecord record in store.ReadAsync(last, 1000, cancellationToken))
                    {
                        printer.Print(record);
                        last = record.Sequence;
                    }
                }

                return ExitCodes.Success;
            });
        });
        return tail;
    }

    private static Command CreateQuery()
    {
        Option<string> config = CommonOptions.Config();
        Option<string> dataDir = DataDir();
        Option<bool> json = CommonOptions.Json();
        var user = new Option<string?>("--user") { Description = "Only this user id.", HelpName = "ID" };
        var tool = new Option<string?>("--tool") { Description = "Only this tool (the exposed name), resource URI or prompt.", HelpName = "NAME" };
        var server = new Option<string?>("--server") { Description = "Only this server id.", HelpName = "ID" };
        var decision = new Option<string?>("--decision") { Description = "Only this decision: allow, deny or input_required.", HelpName = "DECISION" };
        var correlation = new Option<string?>("--correlation-id") { Description = "Only this operation (the correlationId of an error's data).", HelpName = "ID" };
        var since = new Option<string?>("--since") { Description = "From this time on (ISO 8601, e.g. 2026-12-01T10:00:00Z, or a duration back: 15m, 2h, 7d).", HelpName = "TIME" };
        var until = new Option<string?>("--until") { Description = "Before this time (same forms as --since).", HelpName = "TIME" };
        var limit = new Option<int?>("--limit") { Description = "At most this many (the newest).", HelpName = "N" };
        var query = new Command("query", "Print the records that match every filter given.") { config, dataDir, json, user, tool, server, decision, correlation, since, until, limit };
        query.SetAction(async (parse, cancellationToken) =>
        {
            if (!TryParseTime(parse.GetValue(since), "--since", out DateTimeOffset? from) || !TryParseTime(parse.GetValue(until), "--until", out DateTimeOffset? to))
            {
                return ExitCodes.BadInput;
            }

            string? wanted = parse.GetValue(decision);
            if (wanted is not null and not ("allow" or "deny" or "input_required"))
            {
                await Console.Error.WriteLineAsync($"--decision '{wanted}' is not a decision; use allow, deny or input_required.");
                return ExitCodes.BadInput;
            }

            await using IAuditStore? store = Open(parse.GetValue(config)!, parse.GetValue(dataDir), out _);
            if (store is null)
            {
                return ExitCodes.BadInput;
            }

            var filter = new AuditQuery
            {
                UserId = parse.GetValue(user),
                Target = parse.GetValue(tool),
                ServerId = parse.GetValue(server),
                Decision = wanted,
                CorrelationId = parse.GetValue(correlation),
                Since = from,
                Until = to,
                Limit = parse.GetValue(limit),
            };
            return await Guard(async () =>
            {
                var printer = new Printer(parse.GetValue(json));
                await foreach (AuditRecord record in store.QueryAsync(filter, cancellationToken))
                {
                    printer.Print(record);
                }

                return ExitCodes.Success;
            });
        });
        return query;
    }

    private static Command CreateExport()
    {
        Option<string> config = CommonOptions.Config();
        Option<string> dataDir = DataDir();
        var format = new Option<string>("--format") { Description = "jsonl (one JSON object a line, the default) or csv.", DefaultValueFactory = _ => "jsonl", HelpName = "FORMAT" };
        var output = new Option<string?>("--out", "-o") { Description = "Write to this file instead of stdout.", HelpName = "FILE" };
        var export = new Command("export", "Write every record (redacted as stored) as JSON Lines or CSV; a call a crash cut off has a started record and, once the gateway started again, a finished record with outcome unfinished.") { config, dataDir, format, output };
        export.SetAction(async (parse, cancellationToken) =>
        {
            string kind = parse.GetValue(format)!.ToLowerInvariant();
            if (kind is not ("jsonl" or "csv"))
            {
                await Console.Error.WriteLineAsync($"--format '{kind}' is not a format; use jsonl or csv.");
                return ExitCodes.BadInput;
            }

            await using IAuditStore? store = Open(parse.GetValue(config)!, parse.GetValue(dataDir), out string directory);
            if (store is null)
            {
                return ExitCodes.BadInput;
            }

            return await Guard(async () =>
            {
                string? path = parse.GetValue(output);
                await using TextWriter writer = path is null ? new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false } : new StreamWriter(path);
                if (kind == "csv")
                {
                    await writer.WriteLineAsync(AuditExport.CsvHeader);
                }

                long written = 0;
                await foreach (AuditRecord record in store.ReadAsync(0, null, cancellationToken))
                {
                    await writer.WriteLineAsync(kind == "csv" ? AuditExport.ToCsv(record) : AuditExport.ToJson(record));
                    if (++written % 50_000 == 0)
                    {
                        await Console.Error.WriteLineAsync($"exported {written} records...");
                    }
                }

                // Started records a gateway that is gone (a crash, a kill) left in its journal: not in the chain yet
                // (sequence 0, no hash); the next gateway started on this data directory adds them.
                IReadOnlyList<AuditRecord> journaled = await AuditExport.ReadJournaledAsync(store, directory, cancellationToken);
                foreach (AuditRecord record in journaled)
                {
                    await writer.WriteLineAsync(kind == "csv" ? AuditExport.ToCsv(record) : AuditExport.ToJson(record));
                }

                if (journaled.Count > 0)
                {
                    await Console.Error.WriteLineAsync($"{journaled.Count} started records are from the journal of a gateway that stopped before committing them (sequence 0: added to the chain at the next start)");
                }

                await writer.FlushAsync(cancellationToken);
                if (path is not null)
                {
                    await Console.Error.WriteLineAsync($"exported {written} records to {path}");
                }

                return ExitCodes.Success;
            });
        });
        return export;
    }

    private static Command CreateVerify()
    {
        Option<string> config = CommonOptions.Config();
        Option<string> dataDir = DataDir();
        Option<bool> json = CommonOptions.Json();
        var verify = new Command("verify", "Check the hash chain and the signed checkpoints: names the first edited, inserted, reordered or deleted record. Exits 0 intact, 1 broken, 2 bad input.") { config, dataDir, json };
        verify.SetAction(async (parse, cancellationToken) =>
        {
            await using IAuditStore? store = Open(parse.GetValue(config)!, parse.GetValue(dataDir), out string directory);
            if (store is null)
            {
                return ExitCodes.BadInput;
            }

            return await Guard(async () =>
            {
                var progress = new Progress<long>(n => Console.Error.WriteLine($"verified {n} records..."));
                AuditVerificationResult result = await AuditExport.VerifyAsync(store, directory, progress, cancellationToken);
                if (parse.GetValue(json))
                {
                    Console.Out.WriteLine(AuditExport.ToJson(result));
                }
                else if (result.IsIntact)
                {
                    Console.Out.WriteLine($"intact: {result.RecordsChecked} records ({result.FirstSequence}..{result.LastSequence}) in {store.Description}; signed through record {result.CheckpointedThrough}.");
                    if (result.NotCheckpointed > 0)
                    {
                        Console.Out.WriteLine($"  the newest {result.NotCheckpointed} records are chained but not yet checkpointed (normal while the gateway writes, or after a crash).");
                    }
                }
                else
                {
                    Console.Out.WriteLine($"BROKEN at record {result.FirstBadSequence}: {result.Problem}.");
                    Console.Out.WriteLine($"  {result.RecordsChecked} records read; the trail verifies through record {result.CheckpointedThrough} as signed.");
                }

                return result.IsIntact ? ExitCodes.Success : ExitCodes.Failure;
            });
        });
        return verify;
    }

    private static Command CreateStats()
    {
        Option<string> config = CommonOptions.Config();
        Option<string> dataDir = DataDir();
        Option<bool> json = CommonOptions.Json();
        var since = new Option<string?>("--since") { Description = "Only records from this time on (ISO 8601 or 15m, 2h, 7d).", HelpName = "TIME" };
        var stats = new Command("stats", "Calls, denials, errors and p50/p99 latency per tool.") { config, dataDir, json, since };
        stats.SetAction(async (parse, cancellationToken) =>
        {
            if (!TryParseTime(parse.GetValue(since), "--since", out DateTimeOffset? from))
            {
                return ExitCodes.BadInput;
            }

            await using IAuditStore? store = Open(parse.GetValue(config)!, parse.GetValue(dataDir), out _);
            if (store is null)
            {
                return ExitCodes.BadInput;
            }

            return await Guard(async () =>
            {
                List<AuditToolStatistics> figures = await AuditToolStatistics.ComputeAsync(store.QueryAsync(new AuditQuery { Since = from }, cancellationToken), cancellationToken);
                if (parse.GetValue(json))
                {
                    Console.Out.WriteLine(AuditExport.ToJson(figures));
                    return ExitCodes.Success;
                }

                Console.Out.WriteLine($"{"TOOL",-40} {"CALLS",8} {"DENIED",8} {"ERRORS",8} {"P50 MS",10} {"P99 MS",10}");
                foreach (AuditToolStatistics figure in figures)
                {
                    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{figure.Target,-40} {figure.Calls,8} {figure.Denials,8} {figure.Errors,8} {Ms(figure.P50Ms),10} {Ms(figure.P99Ms),10}"));
                }

                return ExitCodes.Success;
            });
        });
        return stats;
    }

    private static string Ms(double? value) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "-";

    /// <summary>Opens the trail: the configuration when its file exists (or no --data-dir is given), else the data directory alone.</summary>
    private static IAuditStore? Open(string configPath, string? dataDirectory, out string resolvedDataDirectory)
    {
        resolvedDataDirectory = string.Empty;
        GatewayConfiguration? configuration = null;
        if (File.Exists(configPath) || dataDirectory is null)
        {
            configuration = CommonOptions.LoadConfiguration(configPath, Console.Error);
            if (configuration is null)
            {
                Console.Error.WriteLine("(give --data-dir DIR to read a trail without a configuration)");
                return null;
            }
        }

        return AuditExport.OpenForReading(configuration, dataDirectory, ProcessEnvironment(), out resolvedDataDirectory);
    }

    private static Dictionary<string, string?> ProcessEnvironment() => new(StringComparer.Ordinal)
    {
        [Storage.DataDirectory.Variable] = Environment.GetEnvironmentVariable(Storage.DataDirectory.Variable),
        [AuditSettings.ConnectionStringVariable] = Environment.GetEnvironmentVariable(AuditSettings.ConnectionStringVariable),
    };

    /// <summary>Runs a verb's work; a missing trail, a missing key or an unreachable database is a message and exit 2, not a stack trace.</summary>
    private static async Task<int> Guard(Func<Task<int>> work)
    {
        try
        {
            return await work();
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or System.Data.Common.DbException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"mcpf audit: {ex.Message}");
            return ExitCodes.BadInput;
        }
    }

    internal static bool TryParseTime(string? text, string option, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        text = text.Trim();
        if (text.Length >= 2 && char.IsAsciiLetter(text[^1]) && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double amount) && amount >= 0)
        {
            TimeSpan? back = char.ToLowerInvariant(text[^1]) switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (back is { } span)
            {
                time = DateTimeOffset.UtcNow - span;
                return true;
            }
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset parsed))
        {
            time = parsed;
            return true;
        }

        Console.Error.WriteLine($"{option} '{text}' is not a time; write ISO 8601 (2026-12-01T10:00:00Z) or a duration back (30s, 15m, 2h, 7d).");
        return false;
    }

    /// <summary>Prints records as a table (a terminal) or JSON lines.</summary>
    private sealed class Printer(bool json)
    {
        private bool _header;

        public void Print(AuditRecord record)
        {
            if (json)
            {
                Console.Out.WriteLine(AuditExport.ToJson(record));
                return;
            }

            if (!_header)
            {
                Console.Out.WriteLine($"{"SEQ",7} {"TIME (UTC)",-23} {"KIND",-9} {"USER",-12} {"TARGET",-28} {"DECISION",-8} {"OUTCOME",-10} {"MS",8}  CORRELATION / ERROR");
                _header = true;
            }

            string kind = record.Kind switch { AuditRecordKind.OperationStarted => "started", AuditRecordKind.OperationFinished => "finished", _ => "event" };
            string target = record.Kind == AuditRecordKind.SecurityEvent ? record.Method ?? "" : record.Target ?? record.Method ?? "";
            string tail = record.ErrorMessage is { } message ? $"{record.CorrelationId} {record.ErrorCode} {message}" : record.CorrelationId ?? "";
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{record.Sequence,7} {record.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff} {kind,-9} {Cut(record.UserId, 12),-12} {Cut(target, 28),-28} {record.Decision ?? "",-8} {record.Outcome ?? "",-10} {Ms(record.LatencyMs),8}  {tail}"));
        }

        private static string Cut(string? text, int width) => text is null ? "" : text.Length <= width ? text : text[..(width - 1)] + "…";
    }
}
