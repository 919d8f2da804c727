using Microsoft.Extensions.Hosting;

namespace McpFoundation.Hosting;

/// <summary>
/// Starts the gateway's servers with the host, and stops them with it. The servers start once every hosted service
/// has started (<see cref="StartedAsync"/>): an HTTP front binds its port first, so a port in use fails the start at
/// once, before any server process is spawned; the host's <c>StartAsync</c> still returns only when the servers are
/// up, and the front holds requests that arrive meanwhile (<see cref="McpSecurityIntegration.Started"/>).
/// </summary>
internal sealed class GatewayHostedService(McpSecurityIntegration gateway) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => gateway.InitializeAsync(cancellationToken);

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => gateway.DisposeAsync().AsTask();

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
