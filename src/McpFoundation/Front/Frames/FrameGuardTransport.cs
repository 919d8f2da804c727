using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.Front.Frames;

/// <summary>
/// The stdio front's transport: reads newline-delimited frames from the client, checks each with
/// <see cref="FrameGuard"/>, answers a malformed one with its JSON-RPC error (the same error the HTTP front gives) and
/// keeps reading; the frames that pass go on, unchanged, to the SDK's stream transport, which also writes every answer
/// (so the answers of both never interleave). The SDK's own transport would log a malformed line and answer nothing.
/// </summary>
internal sealed partial class FrameGuardTransport : ITransport
{
    private readonly Stream _input;
    private readonly FrameLimits _limits;
    private readonly ILogger _logger;
    private readonly Pipe _checked = new();
    private readonly StreamServerTransport _inner;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private readonly Channel<JsonRpcMessage> _messages = Channel.CreateUnbounded<JsonRpcMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Task _relay;

    public FrameGuardTransport(Stream input, Stream output, FrameLimits limits, ILoggerFactory? loggerFactory)
    {
        _input = input;
        _limits = limits;
        _logger = (ILogger?)loggerFactory?.CreateLogger<FrameGuardTransport>() ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _inner = new StreamServerTransport(_checked.Reader.AsStream(), output, "mcpfoundation", loggerFactory);
        _pump = Task.Run(() => PumpAsync(_stop.Token));
        _relay = Task.Run(() => RelayAsync(_stop.Token));
    }

    public string? SessionId => _inner.SessionId;

    public ChannelReader<JsonRpcMessage> MessageReader => _messages.Reader;

    public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) => _inner.SendMessageAsync(message, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _pump;
        }
        catch (OperationCanceledException)
        {
        }

        await _inner.DisposeAsync();
        try
        {
            await _relay;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        PipeReader reader = PipeReader.Create(_input, new StreamPipeReaderOptions(leaveOpen: true));
        bool discarding = false; // inside a line already refused as too long
        try
        {
            while (true)
            {
                ReadResult read = await reader.ReadAsync(cancellationToken);
                ReadOnlySequence<byte> buffer = read.Buffer;
                while (buffer.PositionOf((byte)'\n') is { } end)
                {
                    ReadOnlySequence<byte> line = buffer.Slice(0, end);
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                    if (discarding)
                    {
                        discarding = false;
                        continue;
                    }

                    await ForwardOrAnswerAsync(line, cancellationToken);
                }


                if (!discarding && buffer.Length > _limits.MaxBytes)
                {
                    // A line longer than any frame may be: refused now, and the rest of it skipped as it arrives.
                    await AnswerAsync(new FrameRejection(FrameProblem.TooLarge, $"The message is more than {_limits.MaxBytes} bytes, more than the gateway accepts (http.max_request_bytes): send a smaller message."), cancellationToken);
                    discarding = true;
                }

                if (discarding)
                {
                    buffer = buffer.Slice(buffer.End);
                }

                if (read.IsCompleted)
                {
                    if (!discarding && buffer.Length > 0)
                    {
                        await ForwardOrAnswerAsync(buffer, cancellationToken);
                        buffer = buffer.Slice(buffer.End);
                    }

                    reader.AdvanceTo(buffer.End);
                    break;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (IOException ex)
        {
            LogInputFailed(_logger, ex);
        }
        finally
        {
            await reader.CompleteAsync();
            await _checked.Writer.CompleteAsync(); // end of input reaches the SDK's transport: the session ends
        }
    }

    /// <summary>
    /// Passes the messages the SDK's transport read on to the session, except a request whose params the SDK could
    /// not read (<see cref="RequestParamsCheck"/>): that one is answered -32602 here.
    /// </summary>
    private async Task RelayAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (JsonRpcMessage message in _inner.MessageReader.ReadAllAsync(cancellationToken))
            {
                if (message is JsonRpcRequest request && RequestParamsCheck.TryReject(request, out FrameRejection rejection))
                {
                    await AnswerAsync(rejection, cancellationToken);
                    continue;
                }

                await _messages.Writer.WriteAsync(message, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _messages.Writer.TryComplete();
        }
    }

    private async ValueTask ForwardOrAnswerAsync(ReadOnlySequence<byte> line, CancellationToken cancellationToken)
    {
        if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
        {
            line = line.Slice(0, line.Length - 1);
        }

        if (IsBlank(line))
        {
            return; // as the SDK's transport: blank lines are no messages
        }

        if (FrameGuard.TryReject(line, _limits, out FrameRejection rejection))
        {
            await AnswerAsync(rejection, cancellationToken);
            return;
        }

        foreach (ReadOnlyMemory<byte> segment in line)
        {
            _checked.Writer.Write(segment.Span);
        }

        _checked.Writer.Write("\n"u8);
        await _checked.Writer.FlushAsync(cancellationToken);
    }

    private async ValueTask AnswerAsync(FrameRejection rejection, CancellationToken cancellationToken)
    {
        LogRejected(_logger, rejection.Code, rejection.Message);
        await _inner.SendMessageAsync(rejection.ToError(), cancellationToken);
    }

    private static bool IsBlank(in ReadOnlySequence<byte> line)
    {
        foreach (ReadOnlyMemory<byte> segment in line)
        {
            if (segment.Span.IndexOfAnyExcept(" \t\r"u8) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    [LoggerMessage(EventId = 3402, EventName = "StdioFrameRejected", Level = LogLevel.Debug, Message = "stdio front refused a message: {Code}: {Reason}")]
    private static partial void LogRejected(ILogger logger, int code, string reason);

    [LoggerMessage(EventId = 3403, EventName = "StdioInputFailed", Level = LogLevel.Information, Message = "stdio front: reading the client's input failed; the session ends")]
    private static partial void LogInputFailed(ILogger logger, Exception exception);
}
