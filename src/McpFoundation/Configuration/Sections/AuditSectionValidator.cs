using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpFoundation.Audit;
using McpFoundation.Audit.Redaction;

namespace McpFoundation.Configuration.Sections;

/// <summary>The <c>audit</c> section: where the trail is kept, how often it is checkpointed, what is redacted (docs/audit.md).</summary>
internal sealed class AuditSectionValidator : SectionValidator<AuditSection>, IConfigSection
{
    public AuditSectionValidator()
        : base(ConfigurationJsonContext.Default.AuditSection)
    {
    }

    public string Key => "audit";

    public override string Description =>
        "The audit trail: every operation and security event, hash-chained and checkpointed (see docs/audit.md).";

    protected override string NotAnObjectMessage => "must be an object, e.g. \"audit\": {\"checkpoint_interval\": 1}";

    JsonNode IConfigSection.Schema() => Schema();

    public object? Read(JsonElement? value, SectionReadContext context)
    {
        AuditSection section = value is { } element ? Bind(element, Key, context.Reader)?.Value ?? new() : new AuditSection();
        string? connection = context.Environment.TryGetValue(AuditSettings.ConnectionStringVariable, out string? fromEnvironment) && !string.IsNullOrWhiteSpace(fromEnvironment)
            ? fromEnvironment
            : section.ConnectionString;
        AuditSettings defaults = AuditSettings.Default;
        return new AuditSettings
        {
            Enabled = section.Enabled ?? true,
            ConnectionString = string.IsNullOrWhiteSpace(connection) ? null : connection,
            CheckpointInterval = section.CheckpointInterval is { } seconds ? TimeSpan.FromSeconds(seconds) : defaults.CheckpointInterval,
            CheckpointRecords = section.CheckpointRecords ?? defaults.CheckpointRecords,
            QueueCapacity = section.QueueCapacity ?? defaults.QueueCapacity,
            MaxBatch = section.MaxBatch ?? defaults.MaxBatch,
            JournalBytes = section.JournalBytes ?? defaults.JournalBytes,
            RedactPii = section.RedactPii ?? defaults.RedactPii,
            RedactPatterns = section.RedactPatterns ?? defaults.RedactPatterns,
            RecordLists = section.RecordLists ?? false,
        };
    }

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["enabled"] = FieldRule.Boolean("Whether the trail is written (default true). Turning it off means no record of any call.", true),
        ["connection_string"] = new FieldRule(
            $"A PostgreSQL connection string (Npgsql keywords, e.g. \"Host=db;Database=mcpf;Username=mcpf\"); {AuditSettings.ConnectionStringVariable} wins over it. Unset: SQLite, audit.db in the data directory.",
            static (value, field) =>
            {
                if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
                {
                    field.Reader.Diagnostics.Error(field.Path, "must be a PostgreSQL connection string, e.g. \"Host=localhost;Database=mcpf;Username=mcpf\" (or leave it out for SQLite)");
                    return null;
                }

                try
                {
                    _ = new Npgsql.NpgsqlConnectionStringBuilder(value.GetString());
                }
                catch (ArgumentException ex)
                {
                    field.Reader.Diagnostics.Error(field.Path, $"is not a valid PostgreSQL connection string ({ex.Message.Split('\n')[0]}); write keywords like \"Host=localhost;Database=mcpf\"");
                    return null;
                }

                return JsonValue.Create(value.GetString());
            },
            static () => new JsonObject { ["examples"] = new JsonArray("Host=localhost;Database=mcpf;Username=mcpf") }),
        ["checkpoint_interval"] = FieldRule.Seconds("Seconds between signed checkpoints while records are written (default 1).", 3600, 1),
        ["checkpoint_records"] = FieldRule.WholeNumber("A checkpoint is signed after at most this many records (default 1000).", 1, 1_000_000, 1000),
        ["queue_capacity"] = FieldRule.WholeNumber("Records that may wait for the writer (default 65536); when full, calls are refused with -31070.", 1024, 10_000_000, 65_536),
        ["max_batch"] = FieldRule.WholeNumber("The most records committed in one transaction (default 4096).", 1, 100_000, 4096),
        ["journal_bytes"] = new FieldRule(
            "The size in bytes of the journal that makes a call's started record durable without waiting for a commit (default 8388608, 8 MiB; 0 or at least 65536); 0 turns it off, and each call then waits for its record's commit.",
            static (value, field) =>
            {
                if (field.Reader.ReadWholeNumber(value, field.Path, field.Name, 0, 1 << 30, AuditJournal.DefaultBytes) is not { } bytes)
                {
                    return null;
                }

                if (bytes is > 0 and < AuditJournal.MinimumBytes)
                {
                    field.Reader.Diagnostics.Error(field.Path, $"must be 0 (no journal) or at least {AuditJournal.MinimumBytes} bytes, e.g. {AuditJournal.DefaultBytes} (8 MiB)");
                    return null;
                }

                return JsonValue.Create(bytes);
            },
            static () => new JsonObject { ["minimum"] = 0, ["maximum"] = 1 << 30, ["examples"] = new JsonArray(AuditJournal.DefaultBytes) }),
        ["redact_pii"] = new FieldRule(
            "The personal data redacted besides secrets: any of \"email\", \"card_number\", \"phone\" (default all three; [] for none).",
            static (value, field) =>
            {
                List<string>? names = field.Reader.ReadStringList(value, field.Path, allowEmptyItems: false, "must be an array, e.g. [\"email\", \"card_number\", \"phone\"]", "must be \"email\", \"card_number\" or \"phone\"");
                if (names is null)
                {
                    return null;
                }

                var array = new JsonArray();
                for (int i = 0; i < names.Count; i++)
                {
                    string? known = RedactionDetectors.PiiNames.FirstOrDefault(n => string.Equals(n, names[i], StringComparison.OrdinalIgnoreCase));
                    if (known is null)
                    {
                        field.Reader.Diagnostics.Error($"{field.Path}[{i}]", $"'{names[i]}' is not a PII detector; use \"email\", \"card_number\" or \"phone\" (secrets are always redacted)");
                        return null;
                    }

                    array.Add(known);
                }

                return array;
            },
            static () => new JsonObject { ["items"] = new JsonObject { ["enum"] = new JsonArray("email", "card_number", "phone") } }),
        ["redact_patterns"] = new FieldRule(
            "Further data to redact, by name: regular expressions (.NET syntax), e.g. {\"employee_id\": \"\\\\bEMP-\\\\d{6}\\\\b\"}.",
            static (value, field) =>
            {
                var map = field.Reader.ReadStringMap(value, field.Path, headers: false);
                var result = new JsonObject();
                foreach ((string name, string pattern) in map)
                {
                    try
                    {
                        _ = new Regex(pattern, RegexOptions.CultureInvariant);
                        result[name] = pattern;
                    }
                    catch (ArgumentException ex)
                    {
                        field.Reader.Diagnostics.Error(ConfigurationReader.Join(field.Path, name), $"is not a valid regular expression ({ex.Message})");
                    }
                }

                return result;
            }),
        ["record_lists"] = FieldRule.Boolean("Whether allowed list requests (tools/list, ...) are recorded too (default false; denials are always recorded).", false),
    };
}
