using System;
using Microsoft.AspNetCore.Http;

namespace Steering.Server.OpenAi;

/// <summary>A request the server refuses, as OpenAI reports it: an HTTP status and <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
internal sealed class ApiException : Exception
{
    public ApiException(string message, string? param = null, int status = StatusCodes.Status400BadRequest, string? code = null)
        : base(message)
    {
        Param = param;
        Status = status;
        Code = code;
    }

    public ApiException()
    {
    }

    public ApiException(string message)
        : base(message)
    {
    }

    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The HTTP status (400 unless said otherwise).</summary>
    public int Status { get; } = StatusCodes.Status400BadRequest;

    /// <summary>The request field at fault, when there is one.</summary>
    public string? Param { get; }

    /// <summary>OpenAI's machine-readable code (<c>model_not_found</c>, ...), when there is one.</summary>
    public string? Code { get; }

    /// <summary>OpenAI's error type for the status.</summary>
    public string Type => Status switch
    {
        StatusCodes.Status404NotFound => "not_found_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };
}
