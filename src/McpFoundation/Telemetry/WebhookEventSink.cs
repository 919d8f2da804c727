using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace McpFoundation.Telemetry;

/// <summary>
/// Posts the gateway's events to <c>events.webhook_url</c> (docs/events.md): each as one JSON body
/// <c>{"type", "time", "data"}</c>, signed with HMAC-SHA256 in <c>X-Mcpf-Signature: sha256=&lt;hex&gt;</c>, from a
/// bounded queue on one background worker, retried with exponential backoff (Polly). <see cref="Post"/> never blocks
/// and never throws: when the queue is full the event is dropped and counted, and the count is logged.
/// </summary>
public sealed partial class WebhookEventSink : IAsyncDisposable
{
    /// <summary>The header that carries the body's signature.</summary>
    public const string SignatureHeader = "X-Mcpf-Signature";

    /// <summary>The header that names the event type.</summary>
    public const string EventHeader = "X-Mcpf-Event";

    private readonly Channel<JsonObject> _queue;
    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly byte[]? _key;
    private readonly ResiliencePipeline _retry;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _worker;
    private long _dropped;
    private long _delivered;
    private long _failed;

    internal WebhookEventSink(EventSettings settings, HttpMessageHandler? handler, TimeProvider timeProvider, ILogger logger, TimeSpan? firstRetryDelay = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _url = settings.WebhookUrl ?? throw new ArgumentException("events.webhook_url is not set.", nameof(settings));
        _key = ReadKey(settings) is { } secret ? System.Text.Encoding.UTF8.GetBytes(secret) : null;
        _timeProvider = timeProvider;
        _logger = logger;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = settings.Timeout;
        _queue = Channel.CreateBounded<JsonObject>(new BoundedChannelOptions(settings.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _retry = settings.MaxAttempts <= 1 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = settings.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = firstRetryDelay ?? TimeSpan.FromMilliseconds(500),
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TaskCanceledException>(),
            })
            .Build();
        _worker = Task.Run(RunAsync);
    }

    /// <summary>Gets how many events were dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Gets how many events the webhook accepted (a 2xx answer).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Gets how many events were given up after every attempt failed.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>
    /// Queues an event for the webhook; never blocks. The feature that raises a new event adds it with one line, e.g.
    /// <c>gateway.EmergencyActivated += (_, e) =&gt; sink.Post("emergency_activated", new JsonObject { ["channel"] = e.Channel })</c>.
    /// </summary>
    /// <param name="type">The event's name as docs/events.md lists it (<c>tool_executed</c>, ...).</param>
    /// <param name="data">The event's fields; never secrets or arguments.</param>
    public void Post(string type, JsonObject data)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        var body = new JsonObject
        {
            ["type"] = type,
            ["time"] = _timeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
            ["data"] = data,
        };
        if (!_queue.Writer.TryWrite(body))
        {
            long dropped = Interlocked.Increment(ref _dropped);
            if (dropped == 1 || dropped % 100 == 0)
            {
                LogDropped(_logger, type, dropped);
            }
        }
    }

    /// <summary>Computes the signature header's value for <paramref name="body"/>: <c>sha256=</c> and the hex HMAC-SHA256 with <paramref name="key"/>.</summary>
    /// <param name="key">The secret's UTF-8 bytes.</param>
    /// <param name="body">The exact bytes posted.</param>
    /// <returns>The header value.</returns>
    public static string Sign(byte[] key, ReadOnlySpan<byte> body) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, body));

    /// <summary>Completes when every event queued so far was delivered or given up (tests, an orderly shutdown).</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task.</returns>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        while (_queue.Reader.Count > 0 || Volatile.Read(ref _sending) != 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), _timeProvider, cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5), _timeProvider))
        {
            await _worker.WaitAsync(grace.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _stopping.CancelAsync();
        await _worker.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
        _http.Dispose();
    }

    private int _sending;

    private async Task RunAsync()
    {
        await foreach (JsonObject body in _queue.Reader.ReadAllAsync(CancellationToken.None))
        {
            Volatile.Write(ref _sending, 1);
            try
            {
                byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(body, TelemetryJsonContext.Default.JsonObject);
                string type = (string?)body["type"] ?? "event";
                await _retry.ExecuteAsync(static (state, ct) => state.Sink.SendAsync(state.Bytes, state.Type, ct), (Sink: this, Bytes: bytes, Type: type), _stopping.Token);
                Interlocked.Increment(ref _delivered);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                Interlocked.Increment(ref _failed);
                LogGaveUp(_logger, (string?)body["type"] ?? "event", _url.GetLeftPart(UriPartial.Path), ex.Message);
            }
            finally
            {
                Volatile.Write(ref _sending, 0);
            }
        }
    }

    private async ValueTask SendAsync(byte[] body, string type, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = content };
        request.Headers.TryAddWithoutValidation(EventHeader, type);
        if (_key is not null)
        {
            request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(_key, body));
        }

        using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the webhook answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }
    }

    private static string? ReadKey(EventSettings settings)
    {
        if (settings.WebhookSecretFile is { } file)
        {
            try
            {
                return File.ReadAllText(file).Trim() is { Length: > 0 } secret ? secret
                    : throw new Configuration.ConfigurationException([new Configuration.ConfigurationError("events.webhook_secret_file", $"the file {file} is empty; write the secret into it")]);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new Configuration.ConfigurationException([new Configuration.ConfigurationError("events.webhook_secret_file", $"cannot read {file}: {ex.Message}")]);
            }
        }

        return settings.WebhookSecret;
    }

    [LoggerMessage(EventId = 3100, EventName = "WebhookEventsDropped", Level = LogLevel.Warning, Message = "The event webhook's queue is full: dropped a {EventType} event ({Dropped} dropped so far); raise events.queue_capacity or check the webhook")]
    private static partial void LogDropped(ILogger logger, string eventType, long dropped);

    [LoggerMessage(EventId = 3101, EventName = "WebhookDeliveryFailed", Level = LogLevel.Warning, Message = "Gave up posting a {EventType} event to {Url} after every attempt: {Reason}")]
    private static partial void LogGaveUp(ILogger logger, string eventType, string url, string reason);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
internal sealed partial class TelemetryJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
