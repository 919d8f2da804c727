using Microsoft.Extensions.Hosting;

namespace McpFoundation.Hosting;

/// <summary>Starts the gateway's servers with the host, and stops them with it.</summary>
internal sealed class GatewayHostedService(McpSecurityIntegration gateway) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => gateway.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => gateway.DisposeAsync().AsTask();
}
