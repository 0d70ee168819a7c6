using System.Net;

namespace Courier.Cli.Api;

/// <summary>A refusal from the management API: its HTTP status and the <c>reason</c> of RabbitMQ's error JSON.</summary>
internal sealed class ApiError(HttpStatusCode status, string reason) : Exception(reason)
{
    public HttpStatusCode Status { get; } = status;
}
