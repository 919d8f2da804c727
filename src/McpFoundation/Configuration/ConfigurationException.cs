using System.Text;

namespace McpFoundation.Configuration;

/// <summary>Thrown by <see cref="GatewayConfigurationLoader.LoadOrThrow"/> when a configuration is not valid.</summary>
/// <remarks>The message lists every error, one per line, after a one-line summary.</remarks>
public sealed class ConfigurationException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="ConfigurationException"/> class with no errors.</summary>
    public ConfigurationException()
        : this([], null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ConfigurationException"/> class with a plain message.</summary>
    /// <param name="message">The message.</param>
    public ConfigurationException(string message)
        : base(message)
    {
        Errors = [new ConfigurationError("$", message)];
    }

    /// <summary>Initializes a new instance of the <see cref="ConfigurationException"/> class with a plain message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public ConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new ConfigurationError("$", message)];
    }

    /// <summary>Initializes a new instance of the <see cref="ConfigurationException"/> class from the errors a load found.</summary>
    /// <param name="errors">Every error found.</param>
    /// <param name="sourcePath">The configuration file, when there is one; named in the message.</param>
    public ConfigurationException(IReadOnlyList<ConfigurationError> errors, string? sourcePath = null)
        : base(BuildMessage(errors, sourcePath))
    {
        Errors = errors;
    }

    /// <summary>Gets every error found, in document order.</summary>
    public IReadOnlyList<ConfigurationError> Errors { get; }

    private static string BuildMessage(IReadOnlyList<ConfigurationError> errors, string? sourcePath)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var builder = new StringBuilder();
        builder.Append(sourcePath is null ? "The configuration" : $"The configuration file \"{sourcePath}\"")
            .Append(" is not valid (")
            .Append(errors.Count)
            .Append(errors.Count == 1 ? " error):" : " errors):");
        foreach (var error in errors)
        {
            builder.Append('\n').Append(error.ToString());
        }

        return builder.ToString();
    }
}
