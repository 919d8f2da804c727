using System.ComponentModel;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

// Logging and sampling are deprecated by the 2026-07-28 revision (SEP-2577); the suite still tests them.
#pragma warning disable MCP9005

namespace McpFoundation.FixtureServer.Conformance;

/// <summary>
/// The conformance suite's test_* tools, each answering as the suite's scenario of the same topic expects
/// (tools-call-*, elicitation-sep1034-defaults, elicitation-sep1330-enums, json-schema-2020-12,
/// server-sse-polling). Tools that need the client (sampling, elicitation) are written the Multi Round-Trip
/// Request way, like <c>Tools/ClientRequestTools.cs</c>: the SDK sends a real sampling/createMessage or
/// elicitation/create request to a pre-2026-07-28 stateful client, or an InputRequiredResult to a newer one.
/// </summary>
internal sealed class ConformanceTools
{
    public const string JsonSchema202012ToolName = "json_schema_2020_12_tool";

    private const string SampleKey = "sample";
    private const string ElicitKey = "elicit";

    [McpServerTool(Name = "test_simple_text"), Description("Returns a fixed text content block.")]
    public static string SimpleText() => "This is a simple text response for testing.";

    [McpServerTool(Name = "test_image_content"), Description("Returns an image content block (a 1x1 red PNG).")]
    public static CallToolResult ImageContent() =>
        new() { Content = [ImageContentBlock.FromBytes(ConformanceMedia.RedPixelPng, "image/png")] };

    [McpServerTool(Name = "test_audio_content"), Description("Returns an audio content block (a short silent WAV).")]
    public static CallToolResult AudioContent() =>
        new() { Content = [AudioContentBlock.FromBytes(ConformanceMedia.SilentWav, "audio/wav")] };

    [McpServerTool(Name = "test_embedded_resource"), Description("Returns an embedded text resource.")]
    public static CallToolResult EmbeddedResource() => new()
    {
        Content =
        [
            new EmbeddedResourceBlock
            {
                Resource = new TextResourceContents
                {
                    Uri = "test://embedded-resource",
                    MimeType = "text/plain",
                    Text = "This is an embedded resource content.",
                },
            },
        ],
    };

    [McpServerTool(Name = "test_multiple_content_types"), Description("Returns text, image and embedded resource content blocks.")]
    public static CallToolResult MultipleContentTypes() => new()
    {
        Content =
        [
            new TextContentBlock { Text = "Multiple content types test:" },
            ImageContentBlock.FromBytes(ConformanceMedia.RedPixelPng, "image/png"),
            new EmbeddedResourceBlock
            {
                Resource = new TextResourceContents
                {
                    Uri = "test://mixed-content-resource",
                    MimeType = "application/json",
                    Text = """{"test":"data","value":123}""",
                },
            },
        ],
    };

    [McpServerTool(Name = "test_tool_with_logging"), Description("Sends three info log notifications, ~50 ms apart, while it runs.")]
    public static async Task<string> ToolWithLogging(
        McpServer server,
        SessionState sessions,
        RequestContext<CallToolRequestParams> context,
        CancellationToken cancellationToken)
    {
        LoggingLevel? threshold = context.JsonRpcRequest.Context?.LogLevel ?? sessions.GetLogLevel(server);
        string[] messages = ["Tool execution started", "Tool processing data", "Tool execution completed"];
        for (int i = 0; i < messages.Length; i++)
        {
            if (i > 0)
            {
                await Task.Delay(50, cancellationToken);
            }

            if (threshold is null || LoggingLevel.Info >= threshold)
            {
                await server.SendNotificationAsync(
                    NotificationMethods.LoggingMessageNotification,
                    new LoggingMessageNotificationParams
                    {
                        Level = LoggingLevel.Info,
                        Logger = "conformance",
                        Data = JsonSerializer.SerializeToElement(messages[i], McpJsonUtilities.DefaultOptions),
                    },
                    McpJsonUtilities.DefaultOptions,
                    cancellationToken);
            }
        }

        return "Tool with logging executed successfully";
    }

    [McpServerTool(Name = "test_tool_with_progress"), Description("Reports progress 0/100, 50/100 and 100/100, ~50 ms apart, when the request has a progress token.")]
    public static async Task<string> ToolWithProgress(
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        CancellationToken cancellationToken)
    {
        ProgressToken? token = context.Params?.ProgressToken;
        foreach (int progress in new[] { 0, 50, 100 })
        {
            if (progress > 0)
            {
                await Task.Delay(50, cancellationToken);
            }

            if (token is { } t)
            {
                await server.NotifyProgressAsync(
                    t, new ProgressNotificationValue { Progress = progress, Total = 100 }, cancellationToken: cancellationToken);
            }
        }

        return "Tool with progress executed successfully";
    }

    [McpServerTool(Name = "test_error_handling"), Description("Always fails: returns a result with isError=true.")]
    public static CallToolResult ErrorHandling() => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = "This tool intentionally returns an error for testing" }],
    };

    [McpServerTool(Name = "test_sampling"), Description("Asks the client to sample its LLM with the prompt; returns \"LLM response: <reply>\".")]
    public static string Sampling(
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        [Description("The prompt to send to the LLM.")] string prompt)
    {
        if (ClientInput.ResponseTo(context, SampleKey) is { } response)
        {
            return $"LLM response: {ClientInput.SampledText(response)}";
        }

        throw ClientInput.Required(server, SampleKey, InputRequest.ForSampling(new CreateMessageRequestParams
        {
            Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = prompt }] }],
            MaxTokens = 100,
        }));
    }

    [McpServerTool(Name = "test_elicitation"), Description("Asks the user for a username and an email (elicitation/create); returns the response.")]
    public static string Elicitation(
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        [Description("The message to show to the user.")] string message)
    {
        if (ClientInput.ResponseTo(context, ElicitKey) is { } response)
        {
            return $"User response: {Describe(response)}";
        }

        throw ClientInput.Required(server, ElicitKey, InputRequest.ForElicitation(new ElicitRequestParams
        {
            Message = message,
            RequestedSchema = new()
            {
                Properties =
                {
                    ["username"] = new ElicitRequestParams.StringSchema { Description = "User's response" },
                    ["email"] = new ElicitRequestParams.StringSchema { Description = "User's email address" },
                },
                Required = ["username", "email"],
            },
        }));
    }

    [McpServerTool(Name = "test_elicitation_sep1034_defaults"), Description("Elicits a form whose string, integer, number, enum and boolean fields all have defaults (SEP-1034).")]
    public static string ElicitationDefaults(McpServer server, RequestContext<CallToolRequestParams> context)
    {
        if (ClientInput.ResponseTo(context, ElicitKey) is { } response)
        {
            return $"Elicitation completed: {Describe(response)}";
        }

        throw ClientInput.Required(server, ElicitKey, InputRequest.ForElicitation(new ElicitRequestParams
        {
            Message = "Please review and update the form fields with defaults",
            RequestedSchema = new()
            {
                Properties =
                {
                    ["name"] = new ElicitRequestParams.StringSchema { Description = "User name", Default = "John Doe" },
                    ["age"] = new ElicitRequestParams.NumberSchema { Type = "integer", Description = "User age", Default = 30 },
                    ["score"] = new ElicitRequestParams.NumberSchema { Description = "User score", Default = 95.5 },
                    ["status"] = new ElicitRequestParams.UntitledSingleSelectEnumSchema
                    {
                        Description = "User status",
                        Enum = ["active", "inactive", "pending"],
                        Default = "active",
                    },
                    ["verified"] = new ElicitRequestParams.BooleanSchema { Description = "Verification status", Default = true },
                },
            },
        }));
    }

    [McpServerTool(Name = "test_elicitation_sep1330_enums"), Description("Elicits a form with all five enum schema variants (SEP-1330).")]
    public static string ElicitationEnums(McpServer server, RequestContext<CallToolRequestParams> context)
    {
        if (ClientInput.ResponseTo(context, ElicitKey) is { } response)
        {
            return $"Elicitation completed: {Describe(response)}";
        }

#pragma warning disable MCP9001 // LegacyTitledEnumSchema (enumNames) is deprecated; SEP-1330 still tests it.
        var legacy = new ElicitRequestParams.LegacyTitledEnumSchema
        {
            Description = "Legacy titled enum",
            Enum = ["opt1", "opt2", "opt3"],
            EnumNames = ["Option One", "Option Two", "Option Three"],
        };
#pragma warning restore MCP9001

        throw ClientInput.Required(server, ElicitKey, InputRequest.ForElicitation(new ElicitRequestParams
        {
            Message = "Please select options from the enum fields",
            RequestedSchema = new()
            {
                Properties =
                {
                    ["untitledSingle"] = new ElicitRequestParams.UntitledSingleSelectEnumSchema
                    {
                        Description = "Untitled single-select",
                        Enum = ["option1", "option2", "option3"],
                    },
                    ["titledSingle"] = new ElicitRequestParams.TitledSingleSelectEnumSchema
                    {
                        Description = "Titled single-select",
                        OneOf =
                        [
                            new() { Const = "value1", Title = "First Option" },
                            new() { Const = "value2", Title = "Second Option" },
                            new() { Const = "value3", Title = "Third Option" },
                        ],
                    },
                    ["legacyEnum"] = legacy,
                    ["untitledMulti"] = new ElicitRequestParams.UntitledMultiSelectEnumSchema
                    {
                        Description = "Untitled multi-select",
                        Items = new() { Enum = ["option1", "option2", "option3"] },
                    },
                    ["titledMulti"] = new ElicitRequestParams.TitledMultiSelectEnumSchema
                    {
                        Description = "Titled multi-select",
                        Items = new()
                        {
                            AnyOf =
                            [
                                new() { Const = "value1", Title = "First Choice" },
                                new() { Const = "value2", Title = "Second Choice" },
                                new() { Const = "value3", Title = "Third Choice" },
                            ],
                        },
                    },
                },
            },
        }));
    }

    [McpServerTool(Name = "test_reconnection")]
    [Description("Closes the response's SSE stream mid-call (polling, SEP-1699), then returns; the client gets the result after reconnecting with Last-Event-ID.")]
    public static async Task<string> Reconnection(RequestContext<CallToolRequestParams> context, CancellationToken cancellationToken)
    {
        try
        {
            await context.EnablePollingAsync(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
        catch (InvalidOperationException)
        {
            // stdio, or HTTP without an event store: nothing to close; just answer.
        }

        await Task.Delay(100, cancellationToken);
        return "Reconnection test completed successfully";
    }

    /// <summary><c>json_schema_2020_12_tool</c>: its inputSchema uses $schema, $defs and additionalProperties (SEP-1613).</summary>
    public static McpServerTool CreateJsonSchema202012Tool()
    {
        McpServerTool tool = McpServerTool.Create(
            (JsonElement? name, JsonElement? address) => $"name={name?.ToString() ?? ""} address={address?.GetRawText() ?? ""}",
            new McpServerToolCreateOptions { Name = JsonSchema202012ToolName, Description = "Tool with JSON Schema 2020-12 features" });
        tool.ProtocolTool.InputSchema = JsonDocument.Parse("""
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "type": "object",
              "$defs": {
                "address": {
                  "type": "object",
                  "properties": { "street": { "type": "string" }, "city": { "type": "string" } }
                }
              },
              "properties": {
                "name": { "type": "string" },
                "address": { "$ref": "#/$defs/address" }
              },
              "additionalProperties": false
            }
            """).RootElement.Clone();
        return tool;
    }

    private static string Describe(InputResponse response)
    {
        ElicitResult? result = response.Deserialize(InputResponse.ElicitResultJsonTypeInfo);
        string content = result?.Content is { } c ? JsonSerializer.Serialize(c, McpJsonUtilities.DefaultOptions) : "{}";
        return $"action={result?.Action}, content={content}";
    }
}
