using System.Collections;
using System.Text.Json;

namespace McpFoundation.Configuration;

/// <summary>
/// Reads and validates gateway configuration: a JSON file in the gateway's own format (<c>servers</c>) or a Claude
/// Desktop file (<c>mcpServers</c>), with <c>MCP_*</c> environment variables overriding <c>settings</c>. Every problem is
/// reported at once, each with its JSON path and what to write instead; nothing here throws for a bad configuration
/// except <see cref="LoadOrThrow"/>.
/// </summary>
public static class GatewayConfigurationLoader
{
    /// <summary>Parses a configuration from JSON text (comments and trailing commas allowed).</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="environment">The environment variables to apply, e.g. <see cref="ProcessEnvironment"/>; only <c>MCP_*</c> names are read.</param>
    /// <param name="sourcePath">Where the text came from, copied to <see cref="GatewayConfiguration.SourcePath"/>.</param>
    /// <returns>The configuration, or every error found; warnings in both cases.</returns>
    public static ConfigurationLoadResult Parse(string json, IReadOnlyDictionary<string, string?> environment, string? sourcePath = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(environment);
        return ConfigurationReader.ParseDocument(json, environment, sourcePath);
    }

    /// <summary>Reads and parses a configuration file.</summary>
    /// <param name="path">The file's path, absolute or relative to the current directory.</param>
    /// <param name="environment">The environment variables to apply, e.g. <see cref="ProcessEnvironment"/>.</param>
    /// <returns>The configuration (with <see cref="GatewayConfiguration.SourcePath"/> set to the full path), or every error found. A missing or unreadable file is an error at path <c>$</c>, not an exception.</returns>
    public static ConfigurationLoadResult LoadFile(string path, IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(environment);
        string fullPath;
        string text;
        try
        {
            fullPath = Path.GetFullPath(path);
            text = File.ReadAllText(fullPath);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return Failure($"the configuration file \"{path}\" does not exist; create it (see samples/gateway.json) or pass the right path");
        }
        catch (UnauthorizedAccessException)
        {
            return Failure($"the configuration file \"{path}\" cannot be read: permission denied; make it readable by the gateway's user");
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return Failure($"\"{path}\" is not a valid file path; pass the path of a JSON configuration file");
        }
        catch (IOException exception)
        {
            return Failure($"the configuration file \"{path}\" cannot be read: {exception.Message}");
        }

        return ConfigurationReader.ParseDocument(text, environment, fullPath);
    }

    /// <summary>Takes a snapshot of this process's environment variables whose names start with <c>MCP_</c> or <c>MCPF_</c> (<c>MCPF_DATA_DIR</c>, <c>MCPF_AUDIT_PG</c>, <c>MCPF_LOG_FORMAT</c>).</summary>
    /// <returns>The variables, by name.</returns>
    public static IReadOnlyDictionary<string, string?> ProcessEnvironment()
    {
        var snapshot = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && (name.StartsWith("MCP_", StringComparison.OrdinalIgnoreCase) || name.StartsWith("MCPF_", StringComparison.OrdinalIgnoreCase)))
            {
                snapshot[name] = entry.Value as string;
            }
        }

        return snapshot;
    }

    /// <summary>Loads a configuration file, throwing when it is not valid. Meant for start-up: refuse to start on a bad configuration.</summary>
    /// <param name="path">The file's path.</param>
    /// <param name="environment">The environment variables to apply, e.g. <see cref="ProcessEnvironment"/>.</param>
    /// <returns>The valid configuration. Warnings are dropped; use <see cref="LoadFile"/> to log them.</returns>
    /// <exception cref="ConfigurationException">The file is missing, unreadable or invalid; <see cref="ConfigurationException.Errors"/> lists every error.</exception>
    public static GatewayConfiguration LoadOrThrow(string path, IReadOnlyDictionary<string, string?> environment)
    {
        var result = LoadFile(path, environment);
        if (result.Configuration is null || !result.IsValid)
        {
            throw new ConfigurationException(result.Errors, path);
        }

        return result.Configuration;
    }

    /// <summary>
    /// Parses one server definition on its own (for example one added at run time), with the same rules and paths
    /// (<c>servers.&lt;name&gt;...</c>) as in a file. The number of servers is not checked: the caller knows how many run.
    /// </summary>
    /// <param name="name">The server's name; validated like a key under <c>servers</c>.</param>
    /// <param name="element">The server's JSON object, in either format.</param>
    /// <param name="settings">The gateway's settings: their <see cref="GatewaySettings.EnableStrictValidation"/> decides whether unknown fields are errors. Defaults to <see langword="new"/> <see cref="GatewaySettings"/> (strict).</param>
    /// <returns>When valid, a configuration whose <see cref="GatewayConfiguration.Servers"/> holds just this server (and whose settings are <paramref name="settings"/>); otherwise every error found.</returns>
    public static ConfigurationLoadResult ParseServerDefinition(string name, JsonElement element, GatewaySettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ConfigurationReader.ParseSingleServer(name, element, settings ?? new GatewaySettings());
    }

    private static ConfigurationLoadResult Failure(string message) =>
        new(null, [new ConfigurationError("$", message)], []);
}
