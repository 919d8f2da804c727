namespace McpFoundation.Servers;

/// <summary>
/// The gateway closed a server's connection because the server broke one of the gateway's limits (e.g. a message
/// longer than the line cap). A transport completes its channel with it (inside a
/// <see cref="ModelContextProtocol.Client.ClientTransportClosedException"/>); its message is the whole reason, naming
/// the server, and becomes the server's health error and the error of the calls that were waiting on it.
/// </summary>
internal sealed class ServerMisbehavedException(string message, Exception? innerException = null) : IOException(message, innerException);
