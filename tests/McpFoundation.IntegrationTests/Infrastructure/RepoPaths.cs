using System.Reflection;

namespace McpFoundation.IntegrationTests.Infrastructure;

/// <summary>Where things are in the repository, found from the test assembly's location.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>Gets the repository root (the directory holding McpFoundation.slnx).</summary>
    public static string Root => RootPath.Value;

    /// <summary>Gets the build configuration the test assembly was built with (Debug or Release).</summary>
    public static string Configuration =>
        typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } configuration
            ? configuration
            : "Debug";

    /// <summary>Gets the fixture server's dll, built by the project reference in the same configuration as the tests.</summary>
    public static string FixtureServerDll
    {
        get
        {
            string path = Path.Combine(Root, "tests", "McpFoundation.FixtureServer", "bin", Configuration, "net10.0", "McpFoundation.FixtureServer.dll");
            return File.Exists(path)
                ? path
                : throw new InvalidOperationException($"The fixture server is not built at {path}. Build the tests with `dotnet build tests/McpFoundation.IntegrationTests -c {Configuration}` (the project reference builds it).");
        }
    }

    /// <summary>Gets the dotnet host that runs the tests, to start the fixture server with.</summary>
    public static string DotnetHost
    {
        get
        {
            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
            {
                return hostPath;
            }

            string? processPath = Environment.ProcessPath;
            return processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "dotnet" ? processPath : "dotnet";
        }
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "McpFoundation.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"McpFoundation.slnx not found above {AppContext.BaseDirectory}.");
    }
}
