using McpFoundation.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace McpFoundation.Hosting;

/// <summary>Configures McpFoundation after <c>AddMcpFoundation</c>.</summary>
public interface IMcpFoundationBuilder
{
    /// <summary>Gets the service collection.</summary>
    IServiceCollection Services { get; }
}

/// <summary>Extension methods on <see cref="IMcpFoundationBuilder"/>.</summary>
public static class McpFoundationBuilderExtensions
{
    /// <summary>Adds a filter to the pipeline. Filters run in the order they are added.</summary>
    /// <typeparam name="TFilter">The filter type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IMcpFoundationBuilder AddFilter<TFilter>(this IMcpFoundationBuilder builder)
        where TFilter : class, IOperationFilter
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IOperationFilter, TFilter>());
        return builder;
    }
}

internal sealed class McpFoundationBuilder(IServiceCollection services) : IMcpFoundationBuilder
{
    public IServiceCollection Services { get; } = services;
}
