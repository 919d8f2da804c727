using System.Security.Claims;
using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.Pipeline;
using McpFoundation.Security.Policy;

namespace McpFoundation.Tests.Security.Policy;

/// <summary>Configurations with a policy, and operations to decide, for the policy's unit tests.</summary>
internal static class PolicyTestData
{
    public static readonly IReadOnlyDictionary<string, string?> NoEnvironment = new Dictionary<string, string?>();

    /// <summary>Parses a file with servers fs, mail and web and the given <c>policy</c> value.</summary>
    public static ConfigurationLoadResult Parse(string policy, string extra = "", IReadOnlyDictionary<string, string?>? environment = null) =>
        GatewayConfigurationLoader.Parse(
            $$"""{ "servers": { "fs": { "command": ["x"] }, "mail": { "command": ["x"] }, "web": { "command": ["x"] } }, "policy": {{policy}} {{extra}} }""",
            environment ?? NoEnvironment);

    public static GatewayConfiguration Configuration(string policy, string extra = "", IReadOnlyDictionary<string, string?>? environment = null)
    {
        var result = Parse(policy, extra, environment);
        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Errors));
        return result.Configuration!;
    }

    public static CompiledPolicy Compile(string policy, string extra = "") => PolicyService.Compile(Configuration(policy, extra));

    public static ClaimsPrincipal User(string id, params string[] roles)
    {
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, id), new(ClaimTypes.Name, id) };
        claims.AddRange(roles.Select(role => new Claim(ClaimTypes.Role, role)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, "test"));
    }

    /// <summary>A tool call of <paramref name="tool"/> (<c>server__name</c>) by <paramref name="user"/>.</summary>
    public static OperationContext ToolCall(string tool, ClaimsPrincipal? user = null, object? arguments = null, OperationCategory category = OperationCategory.ToolExecution)
    {
        var context = new OperationContext(category, "tools/call")
        {
            User = user!,
            Arguments = arguments is null ? null : JsonSerializer.SerializeToElement(arguments).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
        };
        var separator = tool.IndexOf("__", StringComparison.Ordinal);
        var server = separator > 0 ? tool[..separator] : null;
        context.Resolve(tool, server, separator > 0 ? tool[(separator + 2)..] : tool, server is null ? null : new OperationTarget { ServerId = server });
        return context;
    }

    public static PolicySubject Subject(string tool, string? user = null, params string[] roles)
    {
        var separator = tool.IndexOf("__", StringComparison.Ordinal);
        return new PolicySubject(OperationCategory.ToolExecution, PolicyTargetKind.Tool, tool, separator > 0 ? tool[..separator] : null, user, roles);
    }
}
