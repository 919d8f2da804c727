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

    /// <summary>Adds a filter instance to the pipeline. Filters run in the order they are added.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="filter">The filter.</param>
    /// <returns>The builder.</returns>
    public static IMcpFoundationBuilder AddFilter(this IMcpFoundationBuilder builder, IOperationFilter filter)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(filter);
        builder.Services.AddSingleton(filter);
        return builder;
    }

    /// <summary>
    /// Installs filters that allow everything, to measure what the seam costs with filters: <paramref name="declared"/>
    /// that promise non-blocking completions, then <paramref name="undeclared"/> that do not.
    /// </summary>
    internal static IMcpFoundationBuilder AddNoopFilters(this IMcpFoundationBuilder builder, int declared, int undeclared = 0)
    {
        for (int i = 1; i <= declared; i++)
        {
            builder.AddFilter(new NoopFilter(i));
        }

        for (int i = 1; i <= undeclared; i++)
        {
            builder.AddFilter(new UndeclaredNoopFilter(i));
        }

        return builder;
    }
}

internal sealed class McpFoundationBuilder(IServiceCollection services) : IMcpFoundationBuilder
{
    public IServiceCollection Services { get; } = services;
}
