namespace McpFoundation.FixtureServer.Conformance;

/// <summary>Tiny media payloads for the conformance tools, prompts and resources.</summary>
internal static class ConformanceMedia
{
    /// <summary>A 1x1 red PNG.</summary>
    public static readonly byte[] RedPixelPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==");

    /// <summary>A valid WAV file: 8 kHz, mono, 8-bit PCM, 8 samples of silence.</summary>
    public static byte[] SilentWav { get; } = CreateSilentWav(8);

    private static byte[] CreateSilentWav(int samples)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write("RIFF"u8);
            w.Write(36 + samples);
            w.Write("WAVE"u8);
            w.Write("fmt "u8);
            w.Write(16);            // fmt chunk size
            w.Write((short)1);      // PCM
            w.Write((short)1);      // mono
            w.Write(8000);          // sample rate
            w.Write(8000);          // byte rate
            w.Write((short)1);      // block align
            w.Write((short)8);      // bits per sample
            w.Write("data"u8);
            w.Write(samples);
            for (int i = 0; i < samples; i++)
            {
                w.Write((byte)128); // 8-bit PCM silence
            }
        }

        return stream.ToArray();
    }
}
