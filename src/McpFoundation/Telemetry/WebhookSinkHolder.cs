using McpFoundation.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Telemetry;

/// <summary>The webhook sink of <c>events.webhook_url</c>, if the configuration at start has one (owned and disposed by the container).</summary>
internal sealed class WebhookSinkHolder(WebhookEventSink? sink) : IAsyncDisposable
{
    public WebhookEventSink? Sink { get; } = sink;

    public static WebhookSinkHolder Create(IServiceProvider services)
    {
        EventSettings settings = services.GetRequiredService<GatewayConfigurationProvider>().Current.Events;
        if (settings.WebhookUrl is null)
        {
            return new WebhookSinkHolder(null);
        }

        ILogger logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("McpFoundation.Events");
        return new WebhookSinkHolder(new WebhookEventSink(settings, services.GetService<HttpMessageHandler>(), services.GetRequiredService<TimeProvider>(), logger));
    }

    public ValueTask DisposeAsync() => Sink?.DisposeAsync() ?? ValueTask.CompletedTask;
}
