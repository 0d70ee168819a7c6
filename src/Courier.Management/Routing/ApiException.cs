namespace Courier.Management.Routing;

/// <summary>An answer other than success, written as RabbitMQ writes one: <c>{"error":..,"reason":..}</c> with its status code.</summary>
public sealed class ApiException(int status, string error, string reason) : Exception(reason)
{
    public int Status { get; } = status;

    public string Error { get; } = error;

    public static ApiException NotFound(string reason = "Not Found") => new(404, "Object Not Found", reason);

    public static ApiException BadRequest(string reason) => new(400, "bad_request", reason);

    /// <summary>RabbitMQ answers every authorisation failure, login or tag or vhost, with 401.</summary>
    public static ApiException NotAuthorised(string reason) => new(401, "not_authorised", reason);
}
