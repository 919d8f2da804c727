using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.Hosting;
using McpFoundation.Pipeline;

namespace McpFoundation.Security.Arguments;

/// <summary>
/// The argument inspector: checks a call against its server's <c>security_profile</c> (authentication, operation class,
/// size limits) and canonicalizes every path, URL and command argument before any decision (see
/// docs/security-profile.md). Only URL host resolution awaits; everything else completes synchronously.
/// </summary>
internal sealed class ArgumentInspector : IArgumentInspector
{
    private readonly GatewayConfigurationProvider _configuration;
    private readonly UrlCanonicalizer _urls;
    private readonly ToolSchemaValidator _schemas = new();
    private readonly ConditionalWeakTable<ServerDefinition, ServerArgumentRules> _rules = new();

    public ArgumentInspector(GatewayConfigurationProvider configuration, IHostResolver resolver, TimeProvider timeProvider)
    {
        _configuration = configuration;
        _urls = new UrlCanonicalizer(resolver, timeProvider);
    }

    public async ValueTask<ArgumentReport> InspectAsync(OperationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Target?.Server is not { } server)
        {
            return ArgumentReport.Empty;
        }

        var rules = _rules.GetValue(server, static definition => new ServerArgumentRules(definition));
        var profile = rules.Profile;
        var violations = new List<ArgumentViolation>();
        if (profile.RequireAuthentication && !IsAuthenticated(context))
        {
            violations.Add(new ArgumentViolation(
                string.Empty,
                rules.RulePrefix + "require_authentication",
                GatewayErrorCodes.AuthenticationRequired,
                $"The server {server.Name} requires an authenticated caller, and this call is anonymous.",
                "authenticate (e.g. send the gateway's API key or token), or set require_authentication: false in the server's security_profile"));
        }

        if (context.Category != OperationCategory.ToolExecution || context.Target.Tool is not { } tool)
        {
            return violations.Count == 0 ? ArgumentReport.Empty : new ArgumentReport([], violations, null);
        }

        var toolName = context.DownstreamName ?? tool.Name;
        ToolProfile? toolProfile = profile.Tools.TryGetValue(toolName, out var found) ? found : null;
        var settings = _configuration.Current.Settings;
        var limits = new Limits(
            profile.MaxArgumentBytes ?? settings.MaxArgumentBytes,
            profile.MaxStringLength ?? settings.MaxStringLength,
            profile.MaxArgumentDepth ?? settings.MaxArgumentDepth,
            profile.MaxArgumentBytes is null ? "limits.max_argument_bytes" : rules.RulePrefix + "max_argument_bytes",
            profile.MaxStringLength is null ? "limits.max_string_length" : rules.RulePrefix + "max_string_length",
            profile.MaxArgumentDepth is null ? "limits.max_argument_depth" : rules.RulePrefix + "max_argument_depth");

        var arguments = context.Arguments;
        var total = TotalBytes(arguments);
        if (total > limits.MaxBytes)
        {
            violations.Add(new ArgumentViolation(string.Empty, limits.BytesRule, GatewayErrorCodes.ArgumentRejected, $"The arguments of {toolName} are {total} bytes, more than the limit of {limits.MaxBytes}.", $"send smaller arguments, or raise {LimitField(limits.BytesRule)}"));
            return new ArgumentReport([], violations, null);
        }

        var located = new List<Located>();
        if (arguments is not null)
        {
            var properties = Properties(tool.InputSchema);
            foreach (var (name, value) in arguments)
            {
                Walk(value, Child(properties, name), ArgumentNames.Child(string.Empty, name), name, name, 1, toolProfile, limits, located, violations);
            }
        }

        var hasUrl = located.Exists(argument => argument.Kind == ArgumentKind.Url);
        var (operation, _) = OperationClassifier.Classify(toolName, tool, toolProfile?.Operation, hasUrl);
        if (profile.AllowedOperations.Count > 0 && !profile.AllowedOperations.Contains(operation, StringComparer.Ordinal))
        {
            violations.Add(new ArgumentViolation(
                string.Empty,
                rules.RulePrefix + "allowed_operations",
                GatewayErrorCodes.OperationNotAllowed,
                $"The tool {toolName} is a {operation} operation, and the server {server.Name} allows only {string.Join(", ", profile.AllowedOperations)}.",
                $"add \"{operation}\" to allowed_operations, or if the tool is misclassified set tools.{toolName}.operation in the server's security_profile"));
        }

        if (settings.EnableStrictValidation)
        {
            violations.AddRange(_schemas.Validate(tool, arguments));
        }

        var checkedArguments = new List<CheckedArgument>(located.Count);
        foreach (var argument in located)
        {
            var kind = argument.Kind == ArgumentKind.Command && operation != OperationClassifier.Execute && !argument.Explicit ? ArgumentKind.Text : argument.Kind;
            switch (kind)
            {
                case ArgumentKind.Path:
                    checkedArguments.Add(CheckPath(argument, rules, operation, violations));
                    break;
                case ArgumentKind.Url:
                    checkedArguments.Add(await CheckUrlAsync(argument, rules, violations, cancellationToken).ConfigureAwait(false));
                    break;
                case ArgumentKind.Command when toolProfile?.AllowShell != true:
                    var command = CommandChecker.Check(argument.Value);
                    if (command.IsRefused)
                    {
                        violations.Add(Violation(argument.Name, command, $"command {Quote(argument.Value)}", toolName));
                    }

                    checkedArguments.Add(new CheckedArgument(argument.Name, ArgumentKind.Command, argument.Value, argument.Value, command.IsRefused ? command.Message : null));
                    break;
                default:
                    checkedArguments.Add(new CheckedArgument(argument.Name, kind, argument.Value, argument.Value, kind == ArgumentKind.Command ? "allow_shell: not checked" : null));
                    break;
            }
        }

        return new ArgumentReport(checkedArguments, violations, operation);
    }

    private static bool IsAuthenticated(OperationContext context) =>
        context.User.Identity?.IsAuthenticated == true || context.UserId is not null;

    private static CheckedArgument CheckPath(Located argument, ServerArgumentRules rules, string operation, List<ArgumentViolation> violations)
    {
        var result = PathCanonicalizer.Canonicalize(argument.Value, rules.Path);
        if (result.IsRefused)
        {
            violations.Add(Violation(argument.Name, result, $"path {Quote(argument.Value)}", null));
            return new CheckedArgument(argument.Name, ArgumentKind.Path, argument.Value, null, result.Message);
        }

        var canonical = result.Canonical!;
        if (rules.Roots.Count > 0 && !rules.Roots.Any(root => PathCanonicalizer.IsInside(canonical, root)))
        {
            violations.Add(new ArgumentViolation(
                argument.Name,
                rules.RulePrefix + "allowed_paths",
                GatewayErrorCodes.ArgumentRejected,
                $"Argument {argument.Name}: the path {Quote(argument.Value)} resolves to {canonical}{(result.Note is null ? string.Empty : " (" + result.Note + ")")}, which is outside the allowed paths ({string.Join(", ", rules.Roots)}).",
                "use a path inside one of the allowed_paths, or add its directory to allowed_paths in the server's security_profile"));
            return new CheckedArgument(argument.Name, ArgumentKind.Path, argument.Value, canonical, result.Note);
        }

        if (rules.Extensions.Count > 0 && operation != OperationClassifier.List && !ArgumentKinds.NamesDirectory(argument.Leaf))
        {
            var extension = System.IO.Path.GetExtension(canonical);
            if (extension.Length == 0 || !rules.Extensions.Contains(extension))
            {
                violations.Add(new ArgumentViolation(
                    argument.Name,
                    rules.RulePrefix + "allowed_file_extensions",
                    GatewayErrorCodes.ArgumentRejected,
                    $"Argument {argument.Name}: the file {canonical} has {(extension.Length == 0 ? "no extension" : "the extension " + extension)}, which is not in allowed_file_extensions ({string.Join(", ", rules.Profile.AllowedFileExtensions)}).",
                    "use a file with an allowed extension, or add the extension to allowed_file_extensions in the server's security_profile"));
            }
        }

        return new CheckedArgument(argument.Name, ArgumentKind.Path, argument.Value, canonical, result.Note)
        {
            ReplaceWithCanonical = rules.Roots.Count > 0 && !string.Equals(canonical, argument.Value, StringComparison.Ordinal),
        };
    }

    private async ValueTask<CheckedArgument> CheckUrlAsync(Located argument, ServerArgumentRules rules, List<ArgumentViolation> violations, CancellationToken cancellationToken)
    {
        var result = await _urls.CheckAsync(argument.Value, rules.Url, cancellationToken).ConfigureAwait(false);
        if (result.IsRefused)
        {
            violations.Add(Violation(argument.Name, result, $"URL {Quote(result.Canonical ?? argument.Value)}", null));
            return new CheckedArgument(argument.Name, ArgumentKind.Url, argument.Value, result.Canonical, result.Message);
        }

        return new CheckedArgument(argument.Name, ArgumentKind.Url, argument.Value, result.Canonical, result.Note);
    }

    private static ArgumentViolation Violation(string name, CheckResult result, string subject, string? toolName) =>
        new(name, result.Rule!, GatewayErrorCodes.ArgumentRejected, $"Argument {name}: the {subject} {result.Message}.", toolName is null ? result.Hint! : result.Hint!.Replace("TOOL", toolName, StringComparison.Ordinal));

    private static string Quote(string value) => "\"" + (value.Length > 120 ? value[..120] + "..." : value) + "\"";

    private static string LimitField(string rule) => rule.StartsWith("limits.", StringComparison.Ordinal) ? "settings." + rule["limits.".Length..] : rule;

    private static long TotalBytes(IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        if (arguments is null)
        {
            return 0;
        }

        long total = 2;
        foreach (var (name, value) in arguments)
        {
            total += Encoding.UTF8.GetByteCount(name) + 4 + (value.ValueKind == JsonValueKind.Undefined ? 0 : JsonMarshal.GetRawUtf8Value(value).Length);
        }

        return total;
    }

    private static void Walk(JsonElement value, JsonElement? schema, string name, string indexFree, string leaf, int depth, ToolProfile? toolProfile, Limits limits, List<Located> located, List<ArgumentViolation> violations)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (text.Length > limits.MaxStringLength)
                {
                    violations.Add(new ArgumentViolation(name, limits.StringRule, GatewayErrorCodes.ArgumentRejected, $"Argument {name} is {text.Length} characters long, more than the limit of {limits.MaxStringLength}.", $"send a shorter value, or raise {LimitField(limits.StringRule)}"));
                    return;
                }

                var (kind, isExplicit) = KindOf(text, schema, name, indexFree, leaf, toolProfile);
                if (kind != ArgumentKind.Text || isExplicit)
                {
                    located.Add(new Located(name, leaf, kind, text, isExplicit));
                }

                return;
            case JsonValueKind.Array or JsonValueKind.Object when depth > limits.MaxDepth:
                violations.Add(new ArgumentViolation(name, limits.DepthRule, GatewayErrorCodes.ArgumentRejected, $"Argument {name} nests arrays and objects deeper than the limit of {limits.MaxDepth}.", $"send flatter arguments, or raise {LimitField(limits.DepthRule)}"));
                return;
            case JsonValueKind.Array:
                var items = schema is { ValueKind: JsonValueKind.Object } arraySchema && arraySchema.TryGetProperty("items", out var itemSchema) ? itemSchema : (JsonElement?)null;
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    Walk(item, items, ArgumentNames.Child(name, index.ToString(System.Globalization.CultureInfo.InvariantCulture)), indexFree, leaf, depth + 1, toolProfile, limits, located, violations);
                    index++;
                }

                return;
            case JsonValueKind.Object:
                var properties = Properties(schema);
                foreach (var property in value.EnumerateObject())
                {
                    Walk(property.Value, Child(properties, property.Name), ArgumentNames.Child(name, property.Name), indexFree + "/" + property.Name, property.Name, depth + 1, toolProfile, limits, located, violations);
                }

                return;
        }
    }

    private static (ArgumentKind Kind, bool Explicit) KindOf(string value, JsonElement? schema, string name, string indexFree, string leaf, ToolProfile? toolProfile)
    {
        if (toolProfile is { Arguments.Count: > 0 } overrides
            && (overrides.Arguments.TryGetValue(name, out var kind) || overrides.Arguments.TryGetValue(indexFree, out kind) || overrides.Arguments.TryGetValue(leaf, out kind)))
        {
            return (kind, true);
        }

        if (value.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return (ArgumentKind.Path, false);
        }

        return (ArgumentKinds.FromSchema(schema) ?? ArgumentKinds.FromName(leaf) ?? ArgumentKind.Text, false);
    }

    private static JsonElement? Properties(JsonElement? schema) =>
        schema is { ValueKind: JsonValueKind.Object } value && value.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object ? properties : null;

    private static JsonElement? Child(JsonElement? properties, string name) =>
        properties is { } value && value.TryGetProperty(name, out var child) ? child : null;

    private readonly record struct Limits(int MaxBytes, int MaxStringLength, int MaxDepth, string BytesRule, string StringRule, string DepthRule);

    private readonly record struct Located(string Name, string Leaf, ArgumentKind Kind, string Value, bool Explicit);
}
