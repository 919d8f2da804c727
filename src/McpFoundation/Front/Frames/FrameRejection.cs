using McpFoundation.Pipeline;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Front.Frames;

/// <summary>Why a frame is refused before it is parsed: what HTTP would answer, and the JSON-RPC error.</summary>
internal enum FrameProblem
{
    /// <summary>Not JSON (or not UTF-8): -32700, HTTP 400.</summary>
    ParseError,

    /// <summary>JSON, but not one JSON-RPC message (a batch, a missing method, a bad id...): -32600, HTTP 400.</summary>
    InvalidRequest,

    /// <summary>A request whose params are not an object: -32602, HTTP 400.</summary>
    InvalidParams,

    /// <summary>Larger than <see cref="FrameLimits.MaxBytes"/>: <see cref="GatewayErrorCodes.FrameTooLarge"/>, HTTP 413.</summary>
    TooLarge,

    /// <summary>Nested too deep, a string too long, an array too long: <see cref="GatewayErrorCodes.FrameLimitExceeded"/>, HTTP 400.</summary>
    LimitExceeded,

    /// <summary>An HTTP body whose Content-Type is not JSON in UTF-8: -32600, HTTP 415.</summary>
    UnsupportedMediaType,
}

/// <summary>A refused frame: the problem, the message that says what to fix, and the id of the request when it could be read.</summary>
internal readonly record struct FrameRejection(FrameProblem Problem, string Message, RequestId Id = default)
{
    /// <summary>Gets the JSON-RPC error code.</summary>
    public int Code => Problem switch
    {
        FrameProblem.ParseError => GatewayErrorCodes.ParseError,
        FrameProblem.InvalidParams => GatewayErrorCodes.InvalidParams,
        FrameProblem.TooLarge => GatewayErrorCodes.FrameTooLarge,
        FrameProblem.LimitExceeded => GatewayErrorCodes.FrameLimitExceeded,
        _ => GatewayErrorCodes.InvalidRequest,
    };

    /// <summary>Gets the HTTP status of the answer on the Streamable HTTP front.</summary>
    public int HttpStatus => Problem switch
    {
        FrameProblem.TooLarge => 413,
        FrameProblem.UnsupportedMediaType => 415,
        _ => 400,
    };

    /// <summary>Returns the same rejection with the request's id.</summary>
    public FrameRejection WithId(RequestId id) => this with { Id = id };

    /// <summary>Gets the JSON-RPC error response of this rejection.</summary>
    public JsonRpcError ToError() => new() { Id = Id, Error = new JsonRpcErrorDetail { Code = Code, Message = Message } };
}
