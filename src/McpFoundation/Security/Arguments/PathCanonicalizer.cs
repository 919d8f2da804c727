using System.Globalization;
using System.Text;

namespace McpFoundation.Security.Arguments;

/// <summary>Where a path argument is resolved: the server's working directory, and whether the local file system is the server's.</summary>
/// <param name="WorkingDirectory">The absolute directory relative paths resolve against (a stdio server's working directory); null when the server's is unknown (an HTTP server).</param>
/// <param name="ResolveSymlinks">Resolve symbolic links on the local file system (stdio servers run on this machine); false for a lexical check.</param>
/// <param name="HomeDirectory">The gateway user's home directory, for <c>~</c>.</param>
internal readonly record struct PathContext(string? WorkingDirectory, bool ResolveSymlinks, string HomeDirectory);

/// <summary>
/// Turns a path argument into the one absolute path it names, or refuses it: <c>file:</c> URLs, percent-encoding
/// (once; twice is refused), overlong and invalid UTF-8, Unicode look-alikes (NFKC, and slashes NFKC keeps), backslashes,
/// <c>~</c>, NUL bytes, Windows drive, alternate data stream and UNC forms, <c>..</c>, and symbolic links (each
/// component in turn, as the kernel does, so <c>link/..</c> is the link target's parent). Never throws for bad input.
/// </summary>
internal static class PathCanonicalizer
{
    /// <summary>At most this many symbolic links are followed in one path (Linux's own limit is 40).</summary>
    internal const int MaxSymlinkHops = 40;

    /// <summary>At most this many components are resolved (bounds the file-system checks of one argument).</summary>
    internal const int MaxComponents = 256;

    private const string EncodingHint = "send the path as plain text, without percent-encoding";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Slashes and dots that NFKC leaves as they are but a reader may take for "/" or ".".
    private static readonly System.Buffers.SearchValues<char> LookAlikes = System.Buffers.SearchValues.Create("\u2215\u2044\u29F8\u29F5\u29F9\u2216\u2027\u00B7\u30FB\u2E31\u01C0");

    public static CheckResult Canonicalize(string raw, in PathContext context)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (raw.Contains('\0', StringComparison.Ordinal))
        {
            return CheckResult.Refuse("path.nul_byte", "holds a NUL byte, which ends the path early in the server's file API", "remove the NUL (\\u0000) from the path");
        }

        if (raw.Length == 0 || string.IsNullOrWhiteSpace(raw))
        {
            return CheckResult.Refuse("path.empty", "is empty", "send the path of a file or directory");
        }

        var text = raw;
        var notes = new List<string>(2);
        if (text.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            var fromUrl = FromFileUrl(text);
            if (fromUrl.IsRefused)
            {
                return fromUrl;
            }

            text = fromUrl.Canonical!;
            notes.Add("file: URL");
        }

        if (text.Contains('%', StringComparison.Ordinal))
        {
            var decoded = PercentDecode(text);
            if (decoded.IsRefused)
            {
                return decoded;
            }

            if (!string.Equals(decoded.Canonical, text, StringComparison.Ordinal))
            {
                text = decoded.Canonical!;
                notes.Add("percent-decoded");
            }
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            return CheckResult.Refuse("path.nul_byte", "holds an encoded NUL byte (%00), which ends the path early in the server's file API", "remove the %00 from the path");
        }

        if (text.AsSpan().IndexOfAny(LookAlikes) >= 0)
        {
            return CheckResult.Refuse("path.lookalike", "holds a character that looks like a slash or a dot but is not one (e.g. U+2215 DIVISION SLASH)", "write separators as / and dots as .");
        }

        if (!text.IsNormalized(NormalizationForm.FormKC))
        {
            var normalized = text.Normalize(NormalizationForm.FormKC);
            if (!string.Equals(normalized, text, StringComparison.Ordinal))
            {
                text = normalized;
                notes.Add("Unicode look-alikes normalized (NFKC)");
            }
        }

        if (text.Any(char.IsControl))
        {
            return CheckResult.Refuse("path.control_character", "holds a control character (a newline, tab or other invisible character)", "remove control characters from the path");
        }

        if (text.StartsWith(@"\\", StringComparison.Ordinal) || text.StartsWith("//", StringComparison.Ordinal) || text.StartsWith(@"/\", StringComparison.Ordinal) || text.StartsWith(@"\/", StringComparison.Ordinal))
        {
            return CheckResult.Refuse("path.unc", "is a UNC or network path (\\\\host\\share or //host/share), which reaches another machine", "use a local path such as /srv/data/file.txt");
        }

        if (text.Length >= 2 && char.IsAsciiLetter(text[0]) && text[1] == ':' && !OperatingSystem.IsWindows())
        {
            return CheckResult.Refuse("path.windows_drive", "is a Windows drive path (C:\\...), which does not name a file on this system", "use a path such as /srv/data/file.txt");
        }

        if (text.Contains('\\', StringComparison.Ordinal))
        {
            text = text.Replace('\\', '/');
            notes.Add("backslashes read as /");
        }

        var colon = OperatingSystem.IsWindows() && text.Length >= 2 && text[1] == ':' ? text.IndexOf(':', 2) : text.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0 && (OperatingSystem.IsWindows() || text.Contains("::", StringComparison.Ordinal) || text.Contains(":$", StringComparison.Ordinal)))
        {
            return CheckResult.Refuse("path.alternate_stream", "names an NTFS alternate data stream (file.txt::$DATA or file.txt:stream)", "name the file itself, without the :stream suffix");
        }

        if (text[0] == '~')
        {
            if (text.Length == 1 || text[1] == '/')
            {
                text = context.HomeDirectory.TrimEnd('/') + text[1..];
                notes.Add("~ is the gateway user's home");
            }
            else
            {
                return CheckResult.Refuse("path.home_directory", "starts with ~name (another user's home directory)", "write the absolute path instead of ~name");
            }
        }

        if (!text.StartsWith('/') && !(OperatingSystem.IsWindows() && Path.IsPathRooted(text)))
        {
            if (context.WorkingDirectory is null)
            {
                return CheckResult.Refuse("path.relative", "is relative, and the server's working directory is not known to the gateway (a remote server)", "send an absolute path");
            }

            text = context.WorkingDirectory.TrimEnd('/') + "/" + text;
            notes.Add("relative to " + context.WorkingDirectory);
        }

        return context.ResolveSymlinks ? ResolveReal(text, notes) : ResolveLexical(text, notes);
    }

    /// <summary>Says whether <paramref name="path"/> is <paramref name="root"/> or inside it, comparing whole segments.</summary>
    public static bool IsInside(string path, string root)
    {
        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        var trimmed = root.Length > 1 ? root.TrimEnd('/') : root;
        if (trimmed == "/")
        {
            return path.StartsWith('/');
        }

        return path.Equals(trimmed, comparison)
            || (path.Length > trimmed.Length && path[trimmed.Length] == '/' && path.StartsWith(trimmed, comparison));
    }

    /// <summary>Resolves an absolute root directory the way arguments are (symlinks too when <paramref name="resolveSymlinks"/>).</summary>
    public static string CanonicalRoot(string absolute, bool resolveSymlinks)
    {
        var result = resolveSymlinks ? ResolveReal(absolute.Replace('\\', '/'), []) : ResolveLexical(absolute.Replace('\\', '/'), []);
        return result.Canonical ?? Path.GetFullPath(absolute);
    }

    private static CheckResult FromFileUrl(string text)
    {
        // file:/p, file:///p, file://localhost/p; any other host is a network path.
        var rest = text[5..];
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            var slash = rest.IndexOf('/', 2);
            var host = slash < 0 ? rest[2..] : rest[2..slash];
            if (host.Length > 0 && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            {
                return CheckResult.Refuse("path.unc", $"is a file: URL on another host ({host}), which reaches another machine", "use file:///path or a plain local path");
            }

            rest = slash < 0 ? "/" : rest[slash..];
        }

        var end = rest.AsSpan().IndexOfAny('?', '#');
        if (end >= 0)
        {
            rest = rest[..end];
        }

        return rest.StartsWith('/') ? CheckResult.Accept(rest) : CheckResult.Refuse("path.encoding", "is a file: URL without an absolute path", "write file:///absolute/path or a plain path");
    }

    private static CheckResult PercentDecode(string text)
    {
        if (!HasEscape(text))
        {
            return CheckResult.Accept(text);
        }

        var bytes = new List<byte>(text.Length);
        Span<byte> buffer = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '%' && i + 2 < text.Length && char.IsAsciiHexDigit(text[i + 1]) && char.IsAsciiHexDigit(text[i + 2]))
            {
                bytes.Add(byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                i += 2;
            }
            else
            {
                var written = Encoding.UTF8.GetBytes(text.AsSpan(i, char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1), buffer);
                for (var b = 0; b < written; b++)
                {
                    bytes.Add(buffer[b]);
                }

                if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length)
                {
                    i++;
                }
            }
        }

        string decoded;
        try
        {
            decoded = StrictUtf8.GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            return CheckResult.Refuse("path.encoding", "holds percent-encoded bytes that are not valid UTF-8 (e.g. the overlong %c0%af for /)", EncodingHint);
        }

        if (HasEscape(decoded))
        {
            return CheckResult.Refuse("path.encoding", "is percent-encoded twice (e.g. %252e%252e for ..), which hides what it names", EncodingHint);
        }

        return CheckResult.Accept(decoded);
    }

    private static bool HasEscape(string text)
    {
        for (var i = text.IndexOf('%', StringComparison.Ordinal); i >= 0 && i + 2 < text.Length; i = text.IndexOf('%', i + 1))
        {
            if (char.IsAsciiHexDigit(text[i + 1]) && char.IsAsciiHexDigit(text[i + 2]))
            {
                return true;
            }
        }

        return false;
    }

    private static CheckResult ResolveLexical(string absolute, List<string> notes)
    {
        var parts = new List<string>();
        foreach (var segment in absolute.Split('/'))
        {
            switch (segment)
            {
                case "" or ".":
                    break;
                case "..":
                    if (parts.Count > 0)
                    {
                        parts.RemoveAt(parts.Count - 1);
                    }

                    break;
                default:
                    parts.Add(segment);
                    break;
            }
        }

        var result = "/" + string.Join('/', parts);
        if (absolute.Contains("/..", StringComparison.Ordinal))
        {
            notes.Add(".. resolved");
        }

        return CheckResult.Accept(result, notes.Count == 0 ? null : string.Join("; ", notes));
    }

    private static CheckResult ResolveReal(string absolute, List<string> notes)
    {
        var pending = new Stack<string>(absolute.Split('/').Reverse());
        var parts = new List<string>();
        var hops = 0;
        var steps = 0;
        var dotDot = false;
        while (pending.Count > 0)
        {
            var segment = pending.Pop();
            if (++steps > MaxComponents * 4)
            {
                return CheckResult.Refuse("path.too_many_components", $"has more than {MaxComponents} components to resolve", "send a shorter path");
            }

            switch (segment)
            {
                case "" or ".":
                    continue;
                case "..":
                    dotDot = true;
                    if (parts.Count > 0)
                    {
                        parts.RemoveAt(parts.Count - 1);
                    }

                    continue;
            }

            parts.Add(segment);
            var current = "/" + string.Join('/', parts);
            string? target;
            try
            {
                target = new FileInfo(current).LinkTarget;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Security.SecurityException or ArgumentException or NotSupportedException)
            {
                return CheckResult.Refuse("path.unresolvable", $"could not be resolved ({exception.GetType().Name} on a component)", "check that the path's directories are readable by the gateway");
            }

            if (target is null)
            {
                continue;
            }

            if (++hops > MaxSymlinkHops)
            {
                return CheckResult.Refuse("path.symlink_loop", $"follows more than {MaxSymlinkHops} symbolic links (a loop?)", "point the path at a real file, not a chain of links");
            }

            notes.Add($"symlink {current} -> {target}");
            parts.RemoveAt(parts.Count - 1);
            if (target.StartsWith('/'))
            {
                parts.Clear();
            }

            foreach (var part in target.Split('/').Reverse())
            {
                pending.Push(part);
            }
        }

        if (dotDot)
        {
            notes.Add(".. resolved");
        }

        return CheckResult.Accept("/" + string.Join('/', parts), notes.Count == 0 ? null : string.Join("; ", notes));
    }
}
