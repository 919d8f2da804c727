using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace McpFoundation.Hosting;

/// <summary>
/// Applies <c>MCP_LOG_LEVEL</c> (settings.log_level) to the gateway's own log categories, <c>McpFoundation.*</c>
/// (the seed's <c>mcp</c> and <c>mcp.security</c> loggers).
/// </summary>
internal sealed class GatewayLogLevelSetup(GatewayConfigurationProvider configuration) : IConfigureOptions<LoggerFilterOptions>
{
    public void Configure(LoggerFilterOptions options) =>
        options.Rules.Add(new LoggerFilterRule(providerName: null, categoryName: "McpFoundation", logLevel: configuration.Current.Settings.LogLevel, filter: null));
}
